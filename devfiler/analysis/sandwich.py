"""Sandwich view: one function's callers above it and its callees below it.

Every trace holding the function contributes once: callees are what runs
below its outermost occurrence, callers what sits above its innermost one,
so recursion does not count a sample twice and both trees weigh the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import LabeledFrame, root_frame
from devfiler.analysis.profile import Profile
from devfiler.analysis.results import FlameNode, Sandwich
from devfiler.analysis.stacks import StackTable, gather
from devfiler.analysis.tree import build_tree


def sandwich(profile: Profile, function: str, *, file: str | None = None) -> Sandwich:
    """`function` matches by name (and by source file when `file` is given)."""
    table = profile.stacks
    trace_weight = profile.trace_weights()
    matching = np.array(
        [box.function == function and file in (None, box.file) for box in table.frames],
        dtype=bool,
    )
    traces, first, last = _occurrences(table, matching)
    kinds = [box for box in table.frames if box.function == function and file in (None, box.file)]
    center = LabeledFrame(
        function,
        function,
        kinds[0].kind if kinds else None,
        function,
        file or (kinds[0].file if kinds else ""),
        key=f"function:{function}",
        kind_name=kinds[0].kind_name if kinds else "",
    )
    weights = trace_weight[traces]
    ends = table.offsets[traces + 1]
    callees = _tree(table, center, weights, *gather(table.codes, first, ends - first))
    starts = table.offsets[traces]
    callers = _tree(
        table, center, weights, *gather(table.codes, starts, last - starts + 1, reverse=True)
    )
    return Sandwich(profile.unit, profile.start_ns, profile.end_ns, function, callers, callees)


def _occurrences(
    table: StackTable, matching: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Traces holding the function, with the positions of its outermost and innermost box."""
    if not len(matching):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    hits = np.flatnonzero(matching[table.codes])
    trace_of_hit = np.searchsorted(table.offsets, hits, side="right") - 1
    traces, first_hit = np.unique(trace_of_hit, return_index=True)
    last_hit = len(hits) - 1 - np.unique(trace_of_hit[::-1], return_index=True)[1]
    return traces, hits[first_hit], hits[last_hit]


def _tree(
    table: StackTable,
    center: LabeledFrame,
    weights: npt.NDArray[Any],
    codes: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
) -> FlameNode:
    """Paths start at an occurrence of the function; all occurrences become one root box."""
    codes = codes.copy()
    codes[offsets[:-1][np.diff(offsets) > 0]] = len(table.frames)
    root = build_tree(
        (*table.frames, center), codes, offsets, [np.rint(weights).astype(np.int64)], root_frame("")
    )
    if root.children:
        return root.children[0]
    return FlameNode(
        center.label, center.kind, 0, 0, frame_key=center.key, function=center.function
    )
