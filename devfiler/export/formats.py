"""The export formats: each turns a selection of the store into the bytes of one file.

`devfiler export FORMAT` and the window's "Export..." both go through
FORMATS, so a format added here is offered everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from devfiler.analysis.collapsed import collapsed
from devfiler.analysis.labels import SymbolLookup
from devfiler.analysis.results import Selection
from devfiler.analysis.shape import load_shaped
from devfiler.export.pprof_writer import pprof_bytes
from devfiler.export.selected import load_selected
from devfiler.export.speedscope_writer import speedscope_bytes
from devfiler.export.text import clock, collapsed_lines
from devfiler.storage.store import Store

Render = Callable[[Store, Selection, SymbolLookup | None], bytes]


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """One output format: its name on the command line, its file suffix and its writer."""

    name: str
    suffix: str
    description: str
    render: Render


def _pprof(store: Store, selection: Selection, symbols: SymbolLookup | None) -> bytes:
    return pprof_bytes(load_selected(store, selection, symbols))


def _speedscope(store: Store, selection: Selection, symbols: SymbolLookup | None) -> bytes:
    selected = load_selected(store, selection, symbols)
    name = f"devfiler {clock(selected.start_ns)} to {clock(selected.end_ns)}"
    return speedscope_bytes(selected, name)


def _collapsed(store: Store, selection: Selection, symbols: SymbolLookup | None) -> bytes:
    return collapsed_lines(collapsed(load_shaped(store, selection, symbols, times=False))).encode()


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("pprof", ".pb.gz", "gzipped pprof profile (go tool pprof)", _pprof),
        ExportFormat("speedscope", ".speedscope.json", "speedscope's JSON format", _speedscope),
        ExportFormat("collapsed", ".txt", "collapsed stacks (flamegraph.pl)", _collapsed),
    )
}
