"""The timeline: weight over the range in about 1000 buckets of a round size."""

from __future__ import annotations

import numpy as np

from devfiler.analysis.results import Selection, Timeline
from devfiler.analysis.selection import SelectedTimes, select_times
from devfiler.storage.store import Store

TARGET_BUCKETS = 1000
_SECOND = 1_000_000_000
_MINUTE = 60 * _SECOND
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
ROUND_STEPS: tuple[int, ...] = (
    *(m * 10**e for e in range(9) for m in (1, 2, 5)),
    *(s * _SECOND for s in (1, 2, 5, 10, 15, 30)),
    *(m * _MINUTE for m in (1, 2, 5, 10, 15, 30)),
    *(h * _HOUR for h in (1, 2, 3, 6, 12)),
    *(d * _DAY for d in (1, 2, 7, 14, 30, 90, 180, 365)),
)
"""Bucket sizes a reader recognizes: 1-2-5 below a second, clock units above."""


def round_step(span_ns: int, buckets: int = TARGET_BUCKETS) -> int:
    """The smallest round step that covers `span_ns` in at most `buckets` buckets."""
    wanted = -(-span_ns // buckets)
    for step in ROUND_STEPS:
        if step >= wanted:
            return step
    years = -(-wanted // ROUND_STEPS[-1])
    return years * ROUND_STEPS[-1]


def timeline(events: SelectedTimes, buckets: int = TARGET_BUCKETS) -> Timeline:
    """Buckets start at multiples of the step (since the epoch), so they line up with clock time.

    `events` is `select_times(store, selection)`, or a loaded profile's `times`.
    """
    start, end = events.start_ns, events.end_ns
    step = round_step(max(end - start, 1), buckets)
    first = start // step * step
    count = -(-(end - first) // step) if end > start else 0
    index = (events.timestamps - first) // step
    sums = np.bincount(index, weights=events.weights, minlength=count)[:count]
    weights = np.rint(sums).astype(np.int64).tolist()
    return Timeline(
        events.unit,
        start,
        end,
        step,
        tuple((first + i * step, w) for i, w in enumerate(weights)),
    )


def load_timeline(store: Store, selection: Selection, buckets: int = TARGET_BUCKETS) -> Timeline:
    """The timeline of a selection read from the store.

    Buckets of a second or more hold whole seconds, so the stored blocks'
    sums are enough (`select_times(..., whole_seconds=True)`); finer ones,
    over short ranges, read every event's time.
    """
    if not (selection.include or selection.exclude):
        coarse = select_times(store, selection, whole_seconds=True)
        if round_step(max(coarse.end_ns - coarse.start_ns, 1), buckets) >= _SECOND:
            return timeline(coarse, buckets)
    return timeline(select_times(store, selection), buckets)
