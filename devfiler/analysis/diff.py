"""Differential flamegraph: a selection against a baseline (another range or filter).

Both sides are read separately, then merged into one set of distinct traces
so that each frame is resolved once and equal paths share one node carrying
both weights.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from devfiler.analysis.flamegraph import root_label
from devfiler.analysis.labels import SymbolLookup, root_frame, thread_frame
from devfiler.analysis.results import FlameGraph, FlameGraphTable, Selection
from devfiler.analysis.selection import SelectedEvents, select_events
from devfiler.analysis.stacks import load_stacks, with_threads
from devfiler.analysis.tree import aggregate_pairs, build_table
from devfiler.storage.events import EventColumns
from devfiler.storage.store import Store


def diff_flamegraph(
    store: Store, selection: Selection, base: Selection, symbols: SymbolLookup | None = None
) -> FlameGraph:
    """Node weights are the selection's, `base_weight` the baseline's (same unit required)."""
    return diff_flamegraph_table(store, selection, base, symbols).graph()


def diff_flamegraph_table(
    store: Store, selection: Selection, base: Selection, symbols: SymbolLookup | None = None
) -> FlameGraphTable:
    """`diff_flamegraph` as arrays, for views that draw every node."""
    if selection.unit is not base.unit:
        raise ValueError("a differential flamegraph compares selections of the same unit")
    now = select_events(store, selection)
    before = select_events(store, base)
    columns, threads, names, side = _merge(now, before)
    table = load_stacks(store, columns, symbols, inline=selection.inline)
    weights = np.concatenate([now.weights, before.weights])
    n_threads = max(len(names), 1)
    pair, is_base, sums = aggregate_pairs(columns.trace_index * n_threads + threads, side, weights)
    paths, path_index = np.unique(pair, return_inverse=True)
    per_side = [np.zeros(len(paths), dtype=np.int64) for _ in range(2)]
    for flag in (0, 1):
        mine = is_base == flag
        np.add.at(per_side[flag], path_index.reshape(-1)[mine], sums[mine])
    frames, codes, offsets = with_threads(
        table, paths // n_threads, paths % n_threads, [thread_frame(n) for n in names]
    )
    tree = build_table(frames, codes, offsets, per_side, root_frame(root_label(selection)))
    return FlameGraphTable(now.unit, now.start_ns, now.end_ns, tree, before.start_ns, before.end_ns)


def _merge(
    now: SelectedEvents, before: SelectedEvents
) -> tuple[EventColumns, npt.NDArray[np.int64], tuple[str, ...], npt.NDArray[np.int64]]:
    """One EventColumns over both sides: (columns, thread per event, thread names, side 0/1)."""
    a, b = now.columns, before.columns
    hashes, hash_inverse = np.unique(
        np.concatenate([a.trace_hashes, b.trace_hashes]), return_inverse=True
    )
    hash_inverse = hash_inverse.reshape(-1)
    keys, key_inverse = np.unique(
        np.concatenate([a.context_keys, b.context_keys]), return_inverse=True
    )
    key_inverse = key_inverse.reshape(-1)
    names = tuple(dict.fromkeys(now.thread_names + before.thread_names))
    number = {name: i for i, name in enumerate(names)}
    remap_a = np.array([number[n] for n in now.thread_names], dtype=np.int64)
    remap_b = np.array([number[n] for n in before.thread_names], dtype=np.int64)
    columns = EventColumns(
        np.concatenate([a.timestamps, b.timestamps]),
        np.concatenate([a.kinds, b.kinds]),
        np.concatenate([a.weights, b.weights]),
        np.concatenate(
            [hash_inverse[a.trace_index], hash_inverse[len(a.trace_hashes) + b.trace_index]]
        ),
        hashes,
        np.concatenate(
            [key_inverse[a.context_index], key_inverse[len(a.context_keys) + b.context_index]]
        ),
        keys,
    )
    threads = np.concatenate([remap_a[now.thread_index], remap_b[before.thread_index]])
    side = np.concatenate([np.zeros(len(a), np.int64), np.ones(len(b), np.int64)])
    return columns, threads, names, side
