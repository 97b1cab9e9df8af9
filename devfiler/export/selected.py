"""A selection loaded for export: distinct stacks, their contexts and weights per kind.

This is the one module of devfiler/export/ that reads the analysis layer's
preamble (selecting events, resolving stacks); writers work only on the
`SelectedProfile` value it makes, so a change of how a selection is loaded
stays here.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import LabeledFrame, SymbolLookup
from devfiler.analysis.results import Selection, Unit
from devfiler.analysis.selection import select_events
from devfiler.analysis.shape import shape_stacks
from devfiler.analysis.stacks import load_stacks
from devfiler.model import EventContext, Executable, FileId, SampleKind
from devfiler.storage.store import Store


@dataclass(frozen=True, slots=True)
class SelectedProfile:
    """Weights per distinct (stack, context), with one weight column per sample kind.

    A location is one stack frame: its boxes are the inline chain,
    outermost first (one box without inline expansion). Stack i is
    `locations[codes[offsets[i]:offsets[i + 1]]]`, outermost first.
    Row r is stack `stack[r]` in context `context[r]`; `counts[r, k]` is
    its events of `kinds[k]` and `weights[r, k]` their weight in that kind's
    own unit (nanoseconds for off-CPU, events otherwise).
    """

    unit: Unit
    start_ns: int
    end_ns: int
    kinds: tuple[SampleKind, ...]
    locations: tuple[tuple[LabeledFrame, ...], ...]
    offsets: npt.NDArray[np.int64]
    codes: npt.NDArray[np.int64]
    contexts: tuple[EventContext, ...]
    stack: npt.NDArray[np.int64]
    context: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]
    weights: npt.NDArray[np.int64]
    executables: Mapping[FileId, Executable]

    def __len__(self) -> int:
        return len(self.stack)

    def unit_weights(self) -> npt.NDArray[np.int64]:
        """Each row's weight in the selection's unit: what the flamegraph shows."""
        column = self.weights if self.unit is Unit.NANOSECONDS else self.counts
        total: npt.NDArray[np.int64] = column.sum(axis=1, dtype=np.int64)
        return total


def load_selected(
    store: Store, selection: Selection, symbols: SymbolLookup | None
) -> SelectedProfile:
    events = select_events(store, selection)
    columns = events.columns
    table, through = shape_stacks(
        load_stacks(store, columns, symbols, inline=selection.inline), selection.shape
    )
    if not bool(through.all()):
        columns = columns.select(through[columns.trace_index])
    heads = np.fromiter((not box.inline for box in table.frames), bool, len(table.frames))
    starts = np.flatnonzero(heads)
    bounds = [*starts.tolist(), len(table.frames)]
    locations = tuple(table.frames[begin:end] for begin, end in itertools.pairwise(bounds))
    location_of = np.cumsum(heads) - 1
    on_path = heads[table.codes]
    reach = np.zeros(len(on_path) + 1, dtype=np.int64)
    np.cumsum(on_path, out=reach[1:])
    offsets = reach[table.offsets]
    codes = location_of[table.codes[on_path]].astype(np.int64)

    kinds = tuple(sorted({SampleKind(int(k)) for k in np.unique(columns.kinds).tolist()}))
    kind_column = np.zeros(max(SampleKind) + 1, dtype=np.int64)
    for k, kind in enumerate(kinds):
        kind_column[kind] = k
    n_contexts = max(len(columns.context_keys), 1)
    pair = columns.trace_index.astype(np.int64) * n_contexts + columns.context_index
    pairs, row = np.unique(pair, return_inverse=True)
    row = row.reshape(-1)
    cell = row * max(len(kinds), 1) + kind_column[columns.kinds]
    size = len(pairs) * max(len(kinds), 1)
    shape = (len(pairs), len(kinds))
    counts = np.bincount(cell, minlength=size).astype(np.int64).reshape(shape)
    weights = np.rint(np.bincount(cell, weights=columns.weights, minlength=size))
    found = store.contexts(columns.context_keys.tolist())
    keys = columns.context_keys.tolist()
    return SelectedProfile(
        unit=events.unit,
        start_ns=events.start_ns,
        end_ns=events.end_ns,
        kinds=kinds,
        locations=locations,
        offsets=offsets,
        codes=codes,
        contexts=tuple(found.get(key, EventContext()) for key in keys),
        stack=pairs // n_contexts,
        context=pairs % n_contexts,
        counts=counts,
        weights=weights.astype(np.int64).reshape(shape),
        executables={exe.file_id: exe for exe in store.executables()},
    )
