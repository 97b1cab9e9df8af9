"""Following the present: move a loaded profile forward instead of loading it again.

A window following "the last hour" asks for a new selection every second.
Reading the hour again would cost seconds; instead the events that slid out
of the range are dropped, the last minute is read again (the agent's
requests arrive after their 5 s window has closed, so that minute may have
grown) together with what is new, and only traces the profile has not seen
are resolved. Late events older than that minute are seen at the next full
load (ProfileCache does one every FULL_LOAD_EVERY folds).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import SymbolLookup
from devfiler.analysis.profile import Profile, pairs_of, profile_of
from devfiler.analysis.results import UNBOUNDED_END, UNBOUNDED_START, Selection
from devfiler.analysis.selection import select_events
from devfiler.analysis.stacks import StackTable, gather, load_stacks
from devfiler.storage.store import Store

LOOKBACK_NS = 60_000_000_000
"""How far before the old end events are read again."""


def can_fold(profile: Profile, selection: Selection) -> bool:
    """Loaded with times; same kinds, filters and inline choice, bounded, and moved forward
    with an overlap."""
    old = profile.selection
    same_view = dataclasses.replace(old, start_ns=selection.start_ns, end_ns=selection.end_ns)
    return (
        profile.events_loaded
        and same_view == selection
        and UNBOUNDED_START not in (old.start_ns, selection.start_ns)
        and UNBOUNDED_END not in (old.end_ns, selection.end_ns)
        and old.start_ns <= selection.start_ns < old.end_ns - LOOKBACK_NS
        and old.end_ns <= selection.end_ns
    )


def fold(
    profile: Profile, store: Store, selection: Selection, symbols: SymbolLookup | None
) -> Profile:
    """The profile of `selection` (see `can_fold`), equal to `load_profile` of it."""
    if not can_fold(profile, selection):
        raise ValueError("this selection is not the profile's selection moved forward")
    reread = dataclasses.replace(selection, start_ns=profile.selection.end_ns - LOOKBACK_NS)
    events = select_events(store, reread)
    columns = events.columns
    trace_of_fresh = _known_traces(profile.trace_numbers, columns.trace_numbers)
    unseen = columns.select(trace_of_fresh[columns.trace_index] < 0)
    fresh = profile_of(reread, events, load_stacks(store, unseen, symbols, inline=selection.inline))
    times = profile.timestamps
    keep = (times >= selection.start_ns) & (times < reread.start_ns)
    return _merge(profile, keep, fresh, trace_of_fresh, selection)


def _known_traces(
    known: npt.NDArray[np.int64], numbers: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Index of every trace number among the `known` ones, -1 for those not known."""
    size = int(max(known.max(initial=-1), numbers.max(initial=-1))) + 1
    position = np.full(size, -1, dtype=np.int64)
    position[known] = np.arange(len(known), dtype=np.int64)
    return position[numbers]


def _merge(
    old: Profile,
    keep: npt.NDArray[np.bool_],
    fresh: Profile,
    known: npt.NDArray[np.int64],
    selection: Selection,
) -> Profile:
    trace_of_fresh, numbers, stacks = _merged_traces(old, fresh, known)
    names = old.thread_names + tuple(
        name for name in fresh.thread_names if name not in set(old.thread_names)
    )
    number = {name: i for i, name in enumerate(names)}
    thread_of_fresh = np.array([number[n] for n in fresh.thread_names], dtype=np.int64)
    gone = ~keep
    # Pair sums change by what left the range and what came in: no pass over every event.
    pair_trace, pair_thread, pair_weight = pairs_of(
        np.concatenate([old.pair_trace, old.trace[gone], trace_of_fresh[fresh.pair_trace]]),
        np.concatenate([old.pair_thread, old.thread[gone], thread_of_fresh[fresh.pair_thread]]),
        np.concatenate([old.pair_weight, -old.weights[gone], fresh.pair_weight]),
    )
    return Profile(
        selection,
        old.unit,
        selection.start_ns,
        selection.end_ns,
        stacks,
        numbers,
        names,
        np.concatenate([old.timestamps[keep], fresh.timestamps]),
        np.concatenate([old.trace[keep], trace_of_fresh[fresh.trace]]),
        np.concatenate([old.thread[keep], thread_of_fresh[fresh.thread]]),
        np.concatenate([old.weights[keep], fresh.weights]),
        pair_trace,
        pair_thread,
        pair_weight,
    )


def _merged_traces(
    old: Profile, fresh: Profile, known: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], StackTable]:
    """Old paths as they are, the fresh profile's unseen traces after them.

    `known` is the old path of every fresh trace (-1: unseen, resolved in
    `fresh.stacks`). Returns the path of every fresh trace, the trace numbers
    and the stacks.
    """
    n_old = len(old.trace_numbers)
    unseen = np.flatnonzero(known < 0)
    trace_of_fresh = known.copy()
    trace_of_fresh[unseen] = n_old + np.arange(len(unseen), dtype=np.int64)
    boxes = list(old.stacks.frames)
    code_of = {box.key: code for code, box in enumerate(boxes)}
    remap = np.empty(len(fresh.stacks.frames), dtype=np.int64)
    for code, box in enumerate(fresh.stacks.frames):
        number = code_of.get(box.key)
        if number is None:
            number = code_of[box.key] = len(boxes)
            boxes.append(box)
        remap[code] = number
    lengths = fresh.stacks.lengths[unseen]
    added, added_offsets = gather(fresh.stacks.codes, fresh.stacks.offsets[unseen], lengths)
    stacks = StackTable(
        tuple(boxes),
        np.concatenate([old.stacks.offsets, old.stacks.offsets[-1] + added_offsets[1:]]),
        np.concatenate([old.stacks.codes, remap[added]]),
    )
    numbers = np.concatenate([old.trace_numbers, fresh.trace_numbers[unseen]])
    return trace_of_fresh, numbers, stacks
