"""Trace statistics (developer mode): how well events deduplicate into traces."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from devfiler.analysis.results import Selection, TraceStats
from devfiler.analysis.selection import select_events
from devfiler.storage.frame_groups import distinct_records
from devfiler.storage.store import Store


def histogram(counts: npt.NDArray[np.int64]) -> tuple[tuple[int, int], ...]:
    """(count, how many traces have it), ascending by count."""
    values, occurrences = np.unique(counts, return_counts=True)
    return tuple(zip(values.tolist(), occurrences.tolist(), strict=True))


def trace_stats(store: Store, selection: Selection) -> TraceStats:
    """Counts events (not weights): these figures are about storage, not time."""
    events = select_events(store, selection)
    columns = events.columns
    counts = np.bincount(columns.trace_index, minlength=len(columns.trace_numbers))
    used = np.flatnonzero(counts)
    stored = store.trace_frames(columns.trace_numbers[used])
    numbers, first = distinct_records(stored.records)
    ends = stored.offsets[1:].tolist()
    numbers_list = numbers.tolist()
    without_leaf: dict[tuple[int, ...], int] = {}
    group = np.empty(len(used), dtype=np.int64)
    for row, start in enumerate(stored.offsets[:-1].tolist()):
        rest = tuple(numbers_list[start + 1 : ends[row]])
        group[row] = without_leaf.setdefault(rest, len(without_leaf))
    frames = int(stored.offsets[-1])
    grouped = np.bincount(group, weights=counts[used], minlength=len(without_leaf))
    return TraceStats(
        unit=events.unit,
        start_ns=events.start_ns,
        end_ns=events.end_ns,
        events=len(events),
        unique_traces=len(used),
        unique_traces_without_leaf=len(without_leaf),
        frames=frames,
        unique_frames=len(first),
        count_histogram=histogram(counts[used]),
        count_histogram_without_leaf=histogram(np.rint(grouped).astype(np.int64)),
    )
