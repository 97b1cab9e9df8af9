"""Reshape stacks before any view: ignored frames hidden or cut at, recursion merged, focus.

Every transform works on a StackTable's flat codes with numpy, touching
Python only once per distinct frame (the regular expressions are searched in
each frame's function name and label). A Profile is reshaped by replacing its
stacks, and for a focus by dropping the events whose stack does not go
through the function, so the flamegraph, top functions, sandwich view and
collapsed stacks all see the same stacks and tree code needs no change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import LabeledFrame, SymbolLookup
from devfiler.analysis.profile import Profile, load_profile
from devfiler.analysis.results import Selection
from devfiler.analysis.shape_options import PLAIN, IgnoreAction, IgnoreRule, StackShape
from devfiler.analysis.stacks import StackTable, gather
from devfiler.analysis.topfunctions import function_table
from devfiler.storage.store import Store


def load_shaped(
    store: Store, selection: Selection, symbols: SymbolLookup | None, *, times: bool = True
) -> Profile:
    """`load_profile` with the selection's shape applied."""
    plain = dataclasses.replace(selection, shape=PLAIN)
    return shaped(load_profile(store, plain, symbols, times=times), selection.shape)


def shaped(profile: Profile, shape: StackShape) -> Profile:
    """The profile with reshaped stacks; its selection then carries `shape`."""
    selection = dataclasses.replace(profile.selection, shape=shape)
    if shape.plain:
        return dataclasses.replace(profile, selection=selection)
    stacks, through = shape_stacks(profile.stacks, shape)
    reshaped = dataclasses.replace(profile, selection=selection, stacks=stacks)
    if bool(through.all()):
        return reshaped
    events = through[profile.trace]
    pairs = through[profile.pair_trace]
    return dataclasses.replace(
        reshaped,
        timestamps=profile.timestamps[events],
        trace=profile.trace[events],
        thread=profile.thread[events],
        weights=profile.weights[events],
        pair_trace=profile.pair_trace[pairs],
        pair_thread=profile.pair_thread[pairs],
        pair_weight=profile.pair_weight[pairs],
    )


def shape_stacks(table: StackTable, shape: StackShape) -> tuple[StackTable, npt.NDArray[np.bool_]]:
    """The reshaped paths, and which of them remain (a focus leaves out the others).

    Cuts come first, so a hidden frame above a cut is gone either way.
    """
    cut = frames_matching(table.frames, [r for r in shape.ignore if r.action is IgnoreAction.CUT])
    hide = frames_matching(table.frames, [r for r in shape.ignore if r.action is IgnoreAction.HIDE])
    if bool(cut.any()):
        table = cut_after(table, cut)
    if bool(hide.any()):
        table = keep_codes(table, ~hide[table.codes])
    if shape.merge_recursion:
        table = merge_recursion(table)
    if shape.focus is None:
        return table, np.ones(len(table), dtype=bool)
    return focus(table, shape.focus)


def frames_matching(
    frames: Sequence[LabeledFrame], rules: Sequence[IgnoreRule]
) -> npt.NDArray[np.bool_]:
    """Which frames any of the rules matches."""
    if not rules:
        return np.zeros(len(frames), dtype=bool)
    return np.fromiter(
        (any(rule.matches((box.function, box.label)) for rule in rules) for box in frames),
        dtype=bool,
        count=len(frames),
    )


def keep_codes(table: StackTable, keep: npt.NDArray[np.bool_]) -> StackTable:
    """The paths without the codes where `keep` (one flag per code of the table) is False."""
    reach = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(keep, out=reach[1:])
    return StackTable(table.frames, reach[table.offsets], table.codes[keep])


def _first_hits(
    table: StackTable, matching: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Paths holding a matching frame, and the position of its outermost occurrence."""
    hits = np.flatnonzero(matching[table.codes])
    path_of_hit = np.searchsorted(table.offsets, hits, side="right") - 1
    paths, first = np.unique(path_of_hit, return_index=True)
    return paths.astype(np.int64), hits[first].astype(np.int64)


def cut_after(table: StackTable, cut: npt.NDArray[np.bool_]) -> StackTable:
    """Each path ends at its outermost frame that `cut` (one flag per frame) marks."""
    paths, first = _first_hits(table, cut)
    end = table.offsets[1:].copy()
    end[paths] = first + 1
    position = np.arange(len(table.codes), dtype=np.int64)
    return keep_codes(table, position < np.repeat(end, table.lengths))


def merge_recursion(table: StackTable) -> StackTable:
    """A function calling itself directly shows once: its outermost box stays."""
    _, function_of = function_table(table.frames)
    function = function_of[table.codes]
    repeated = np.zeros(len(function), dtype=bool)
    repeated[1:] = function[1:] == function[:-1]
    starts = table.offsets[:-1]
    repeated[starts[starts < len(function)]] = False
    return keep_codes(table, ~repeated)


def focus(table: StackTable, function: str) -> tuple[StackTable, npt.NDArray[np.bool_]]:
    """Paths through `function` (a function name or a box label), from its outermost call."""
    matching = np.fromiter(
        (function in (box.function, box.label) for box in table.frames),
        dtype=bool,
        count=len(table.frames),
    )
    paths, first = _first_hits(table, matching)
    starts = np.zeros(len(table), dtype=np.int64)
    lengths = np.zeros(len(table), dtype=np.int64)
    starts[paths] = first
    lengths[paths] = table.offsets[paths + 1] - first
    codes, offsets = gather(table.codes, starts, lengths)
    through = np.zeros(len(table), dtype=bool)
    through[paths] = True
    return StackTable(table.frames, offsets, codes), through
