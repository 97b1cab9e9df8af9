"""Which summaries and which event blocks a range read takes.

The largest summarized buckets wholly inside the range come first, finer
ones fill what is left, and the event blocks are read only for the rest: the
range's cut edges and time not summarized yet. Buckets nest (storage/
summary_state.py), so a bucket is skipped when a larger chosen one holds it.
Bucket bounds are whole seconds, so no block lies on both sides of one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from devfiler.storage.keys import NS_PER_SECOND


@dataclass(frozen=True, slots=True)
class ReadPlan:
    buckets: tuple[tuple[int, int], ...]
    """(start second, length in seconds) of the summaries to read, in time order."""
    raw: tuple[tuple[int, int], ...]
    """[start, end) nanosecond ranges to read from the event blocks, in time order."""


def plan_read(present: Iterable[tuple[int, int]], start_ns: int, end_ns: int) -> ReadPlan:
    """The plan for [start_ns, end_ns) given the summarized (start, length) buckets."""
    if end_ns <= start_ns:
        return ReadPlan((), ())
    inside = sorted(
        (
            (start, length)
            for start, length in present
            if start * NS_PER_SECOND >= start_ns and (start + length) * NS_PER_SECOND <= end_ns
        ),
        key=lambda bucket: (-bucket[1], bucket[0]),
    )
    chosen: dict[int, set[int]] = {}
    for start, length in inside:
        if not any(start - start % larger in starts for larger, starts in chosen.items()):
            chosen.setdefault(length, set()).add(start)
    buckets = sorted((start, length) for length, starts in chosen.items() for start in starts)
    raw: list[tuple[int, int]] = []
    at = start_ns
    for start, length in buckets:
        if start * NS_PER_SECOND > at:
            raw.append((at, start * NS_PER_SECOND))
        at = (start + length) * NS_PER_SECOND
    if at < end_ns:
        raw.append((at, end_ns))
    return ReadPlan(tuple(buckets), tuple(raw))
