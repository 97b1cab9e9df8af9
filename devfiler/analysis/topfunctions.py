"""Top functions: self and with-children weight per function, with heat strips.

A function is (kind, name, file). Each distinct trace contributes its weight
once to every function on it (recursion counts once) and to the function of
its leaf as self weight. Heat strips split the range into HEAT_BINS slices.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import LabeledFrame
from devfiler.analysis.profile import EventPaths, Profile
from devfiler.analysis.results import HEAT_BINS, TopFunction, TopFunctions, TopOrder
from devfiler.analysis.stacks import StackTable
from devfiler.analysis.tree import aggregate_pairs
from devfiler.model import FrameKind

DEFAULT_LIMIT = 500
_HEAT_CHUNK = 1 << 22
"""Rows expanded at once while joining traces' functions with their time slices."""


def function_table(
    frames: tuple[LabeledFrame, ...],
) -> tuple[list[LabeledFrame], npt.NDArray[np.int64]]:
    """Distinct functions (a representative box each) and the function of every code."""
    number: dict[tuple[int, str, str, str], int] = {}
    functions: list[LabeledFrame] = []
    of_code = np.empty(len(frames), dtype=np.int64)
    for code, box in enumerate(frames):
        key = box.function_key
        index = number.get(key)
        if index is None:
            index = number[key] = len(functions)
            functions.append(box)
        of_code[code] = index
    return functions, of_code


def heat_bins(profile: Profile, timestamps: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Slice 0..HEAT_BINS-1 of every time within the profile's [start, end)."""
    span = max(profile.end_ns - profile.start_ns, 1)
    offset = timestamps - profile.start_ns
    if span < 1 << 54:
        bins = offset * HEAT_BINS // span
    else:
        bins = np.floor(offset / span * HEAT_BINS).astype(np.int64)
    return np.clip(bins, 0, HEAT_BINS - 1)


def top_functions(
    profile: Profile,
    *,
    order: TopOrder = TopOrder.SELF,
    filter_text: str = "",
    limit: int = DEFAULT_LIMIT,
    heat: bool = True,
    events: EventPaths | None = None,
) -> TopFunctions:
    """`filter_text` keeps functions whose name or file contains it (any case).

    Without `heat` the items have no heat strips: they take most of the
    time, and a table that prints none need not pay for them. Heat strips
    are made from `events`, by default the profile's own (`read_event_paths`
    gives them for a profile loaded without times).
    """
    table = profile.stacks
    functions, of_code = function_table(table.frames)
    trace_weight = profile.trace_weights()
    pair_trace, pair_function = _distinct_pairs(table, of_code)
    with_children = _sums(pair_function, trace_weight[pair_trace], len(functions))
    leaf_function = _leaf_functions(table, of_code)
    has_leaf = leaf_function >= 0
    self_weight = _sums(leaf_function[has_leaf], trace_weight[has_leaf], len(functions))
    needle = filter_text.lower()
    candidates = [
        i
        for i, box in enumerate(functions)
        if with_children[i] > 0
        and (not needle or needle in box.function.lower() or needle in box.file.lower())
    ]
    first, second = (
        (self_weight, with_children) if order is TopOrder.SELF else (with_children, self_weight)
    )
    candidates.sort(key=lambda i: (-first[i], -second[i], functions[i].function, functions[i].file))
    shown = candidates[:limit]
    heat_self, heat_total = (
        _heat(
            profile,
            events if events is not None else profile.event_paths(),
            of_code,
            leaf_function,
            pair_trace,
            pair_function,
            shown,
            len(functions),
        )
        if heat
        else (np.zeros((len(shown), 0)), np.zeros((len(shown), 0)))
    )
    total = profile.total
    items = tuple(
        TopFunction(
            function=functions[f].function,
            file=functions[f].file,
            kind=functions[f].kind or FrameKind.UNKNOWN,
            self_weight=int(self_weight[f]),
            total_weight=int(with_children[f]),
            self_pct=100.0 * int(self_weight[f]) / total if total else 0.0,
            total_pct=100.0 * int(with_children[f]) / total if total else 0.0,
            heat_self=tuple(heat_self[row].tolist()),
            heat_total=tuple(heat_total[row].tolist()),
            kind_name=functions[f].kind_name,
        )
        for row, f in enumerate(shown)
    )
    return TopFunctions(
        profile.unit, profile.start_ns, profile.end_ns, total, len(candidates), items
    )


def _sums(
    index: npt.NDArray[np.int64], weights: npt.NDArray[Any], size: int
) -> npt.NDArray[np.int64]:
    return np.rint(np.bincount(index, weights=weights, minlength=size)).astype(np.int64)


def _distinct_pairs(
    table: StackTable, of_code: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(trace, function) once per function on each trace, sorted by trace.

    A trace's entries are together already, so a merging sort of the keys
    has only each trace's few entries to order.
    """
    n_functions = max(int(of_code.max()) + 1, 1) if len(of_code) else 1
    entry_trace = np.repeat(np.arange(len(table.lengths), dtype=np.int64), table.lengths)
    key = np.sort(entry_trace * n_functions + of_code[table.codes], kind="stable")
    distinct = np.empty(len(key), dtype=bool)
    distinct[:1] = True
    np.not_equal(key[1:], key[:-1], out=distinct[1:])
    key = key[distinct]
    return key // n_functions, key % n_functions


def _leaf_functions(table: StackTable, of_code: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    leaves = table.leaf_codes()
    result = np.full(len(leaves), -1, dtype=np.int64)
    result[leaves >= 0] = of_code[leaves[leaves >= 0]]
    return result


def _heat(
    profile: Profile,
    events: EventPaths,
    of_code: npt.NDArray[np.int64],
    leaf_function: npt.NDArray[np.int64],
    pair_trace: npt.NDArray[np.int64],
    pair_function: npt.NDArray[np.int64],
    shown: list[int],
    n_functions: int,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Heat strips of the shown functions, both scaled by the with-children maximum."""
    rows = len(shown)
    row_of = np.full(n_functions + 1, -1, dtype=np.int64)
    row_of[np.array(shown, dtype=np.int64)] = np.arange(rows)
    slice_trace, slice_bin, slice_weight = aggregate_pairs(
        events.trace, heat_bins(profile, events.timestamps), events.weights
    )
    self_rows = row_of[leaf_function[slice_trace]]
    mine = self_rows >= 0
    heat_self = np.bincount(
        self_rows[mine] * HEAT_BINS + slice_bin[mine],
        weights=slice_weight[mine],
        minlength=rows * HEAT_BINS,
    )
    heat_total = np.zeros(rows * HEAT_BINS)
    pair_rows = row_of[pair_function]
    keep = pair_rows >= 0
    pair_trace, pair_rows = pair_trace[keep], pair_rows[keep]
    n_traces = len(profile.stacks)
    first = np.searchsorted(slice_trace, np.arange(n_traces), side="left")
    count = np.searchsorted(slice_trace, np.arange(n_traces), side="right") - first
    per_pair = count[pair_trace]
    reach = np.cumsum(per_pair)
    cuts = np.searchsorted(
        reach, np.arange(_HEAT_CHUNK, int(reach[-1]) if len(reach) else 0, _HEAT_CHUNK), "right"
    )
    edges = np.unique(np.r_[0, cuts, len(per_pair)]).tolist()
    # Each pair's run of slices: slice = run start + (row number - rows before the run).
    run_start = first[pair_trace] - (reach - per_pair)
    row_key = pair_rows * HEAT_BINS
    for begin, end in itertools.pairwise(edges):
        counts = per_pair[begin:end]
        base = int(reach[begin] - per_pair[begin])
        picked = np.repeat(run_start[begin:end], counts) + np.arange(
            base, base + int(counts.sum()), dtype=np.int64
        )
        heat_total += np.bincount(
            np.repeat(row_key[begin:end], counts) + slice_bin[picked],
            weights=slice_weight[picked],
            minlength=rows * HEAT_BINS,
        )
    peak = heat_total.reshape(rows, HEAT_BINS).max(axis=1, keepdims=True, initial=0.0)
    peak[peak == 0] = 1
    return heat_self.reshape(rows, HEAT_BINS) / peak, heat_total.reshape(rows, HEAT_BINS) / peak
