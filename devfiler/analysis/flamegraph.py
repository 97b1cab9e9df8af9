"""The flamegraph: root, one node per thread name, then frames outermost first."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import LabeledFrame, SymbolLookup, root_frame, thread_frame
from devfiler.analysis.results import FlameGraph, FlameGraphTable, Selection
from devfiler.analysis.selection import SelectedEvents, select_events
from devfiler.analysis.stacks import StackTable, load_stacks, with_threads
from devfiler.analysis.tree import aggregate_pairs, build_table
from devfiler.model import SampleKind
from devfiler.storage.store import Store

_ROOT_LABELS = {
    frozenset({SampleKind.ON_CPU}): "100% of all CPU cycles",
    frozenset({SampleKind.OFF_CPU}): "100% of all off-CPU time",
    frozenset({SampleKind.UPROBE}): "100% of all uprobe events",
}


def root_label(selection: Selection) -> str:
    return _ROOT_LABELS.get(selection.kinds, "100% of all samples")


def thread_paths(
    events: SelectedEvents, table: StackTable
) -> tuple[
    tuple[LabeledFrame, ...], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]
]:
    """One weighted path per distinct (trace, thread): (frames, codes, offsets, weights)."""
    traces, threads, weights = aggregate_pairs(
        events.columns.trace_index, events.thread_index, events.weights
    )
    frames, codes, offsets = with_threads(
        table, traces, threads, [thread_frame(name) for name in events.thread_names]
    )
    return frames, codes, offsets, weights


def flamegraph_table(
    store: Store, selection: Selection, symbols: SymbolLookup | None = None
) -> FlameGraphTable:
    """The flamegraph as arrays: what views drawing every node should ask for."""
    events = select_events(store, selection)
    table = load_stacks(store, events.columns, symbols, inline=selection.inline)
    frames, codes, offsets, weights = thread_paths(events, table)
    tree = build_table(frames, codes, offsets, [weights], root_frame(root_label(selection)))
    return FlameGraphTable(events.unit, events.start_ns, events.end_ns, tree)


def flamegraph(
    store: Store, selection: Selection, symbols: SymbolLookup | None = None
) -> FlameGraph:
    return flamegraph_table(store, selection, symbols).graph()
