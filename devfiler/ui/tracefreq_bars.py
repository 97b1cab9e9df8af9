"""Trace statistics -> the Trace frequency tab's figures and bar charts (pure).

A histogram of "how many traces were seen N times" has a long tail, so bars
are power-of-two buckets of N, labelled by their upper end: 1, 2, 4 (3-4),
8 (5-8), ... 1K (513-1024).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from devfiler.analysis.results import TraceStats


@dataclass(frozen=True, slots=True)
class Bars:
    labels: tuple[str, ...]
    """Upper end of each bucket of events per trace, e.g. "8" for 5-8."""
    traces: tuple[int, ...]
    """How many traces fall in each bucket."""
    events: tuple[int, ...]
    """How many events those traces hold."""


def _bucket(count: int) -> int:
    """0 for 1, 1 for 2, 2 for 3-4, 3 for 5-8, ..."""
    return (count - 1).bit_length()


def _label(bucket: int) -> str:
    high = 1 << bucket
    for shift, suffix in ((20, "M"), (10, "K")):
        if high >= 1 << shift:
            return f"{high >> shift}{suffix}"
    return str(high)


def bucketed(histogram: Sequence[tuple[int, int]]) -> Bars:
    """(events of a trace, traces with that many) pairs -> power-of-two buckets."""
    if not histogram:
        return Bars((), (), ())
    last = _bucket(max(count for count, _ in histogram))
    traces = [0] * (last + 1)
    events = [0] * (last + 1)
    for count, occurrences in histogram:
        if count <= 0:
            continue
        bucket = _bucket(count)
        traces[bucket] += occurrences
        events[bucket] += count * occurrences
    return Bars(tuple(_label(b) for b in range(last + 1)), tuple(traces), tuple(events))


def figures(stats: TraceStats) -> list[tuple[str, str]]:
    """The numbers above the charts, as (name, value)."""
    return [
        ("Events", f"{stats.events:,}"),
        ("Unique traces", f"{stats.unique_traces:,}"),
        ("Events per unique trace", f"{stats.events_per_trace:.2f}"),
        ("Unique traces without leaf frame", f"{stats.unique_traces_without_leaf:,}"),
        ("Events per unique trace without leaf", f"{stats.events_per_trace_without_leaf:.2f}"),
        ("Frames in unique traces", f"{stats.frames:,}"),
        ("Unique frames", f"{stats.unique_frames:,}"),
        ("Frames per unique frame", f"{stats.frames_per_unique_frame:.2f}"),
    ]
