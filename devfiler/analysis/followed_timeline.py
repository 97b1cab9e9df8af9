"""The window's timeline, moved forward with its range instead of read again.

A range following the present moves every second; reading the block
headers of a whole hour each time costs more than the rest of the refresh.
The timeline's whole-second sums (`select_times(..., whole_seconds=True)`)
are kept: what left the range is dropped and the last minute is read again
(requests reach the store after their 5 s window), as analysis/profile_fold
does for profiles. Every FULL_READ_EVERY moves the range is read whole,
which picks up events that arrived more than a minute late.
"""

from __future__ import annotations

import dataclasses
import threading

import numpy as np

from devfiler.analysis.profile_fold import LOOKBACK_NS, SECOND_NS
from devfiler.analysis.results import UNBOUNDED_END, UNBOUNDED_START, Selection, Timeline
from devfiler.analysis.selection import SelectedTimes, select_times
from devfiler.analysis.timeline import load_timeline, round_step, timeline
from devfiler.storage.store import Store

FULL_READ_EVERY = 60


class FollowedTimeline:
    """Thread-safe; equal to `load_timeline` of each selection while the store only grows
    within the last minute."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._kept: tuple[SelectedTimes, Selection, int] | None = None
        """The last sums, their selection and how many moves they have made."""

    def get(self, selection: Selection) -> Timeline:
        with self._lock:
            kept = self._kept
        if not _summed(selection):
            return load_timeline(self._store, selection)
        if kept is not None and kept[2] < FULL_READ_EVERY and _moved_forward(kept[1], selection):
            times, moves = self._moved(kept[0], kept[1], selection), kept[2] + 1
        else:
            times, moves = select_times(self._store, selection, whole_seconds=True), 0
        with self._lock:
            self._kept = times, selection, moves
        return timeline(times)

    def _moved(self, kept: SelectedTimes, before: Selection, now: Selection) -> SelectedTimes:
        since = before.end_ns - LOOKBACK_NS
        stamps = kept.timestamps
        stay = (stamps >= now.start_ns) & (stamps < since)
        fresh = select_times(
            self._store, dataclasses.replace(now, start_ns=since), whole_seconds=True
        )
        return SelectedTimes(
            kept.unit,
            now.start_ns,
            now.end_ns,
            np.concatenate([stamps[stay], fresh.timestamps]),
            np.concatenate([kept.weights[stay], fresh.weights]),
        )


def _summed(selection: Selection) -> bool:
    """Whole-second sums make its timeline: no filters, bounded whole seconds, buckets of
    a second or more (as `load_timeline` decides)."""
    return (
        not (selection.include or selection.exclude)
        and selection.start_ns != UNBOUNDED_START
        and selection.end_ns != UNBOUNDED_END
        and selection.start_ns % SECOND_NS == 0
        and selection.end_ns % SECOND_NS == 0
        and round_step(max(selection.end_ns - selection.start_ns, 1)) >= SECOND_NS
    )


def _moved_forward(before: Selection, now: Selection) -> bool:
    same_view = dataclasses.replace(before, start_ns=now.start_ns, end_ns=now.end_ns) == now
    return (
        same_view
        and before.start_ns <= now.start_ns < before.end_ns - LOOKBACK_NS
        and before.end_ns <= now.end_ns
    )
