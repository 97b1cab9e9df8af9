"""Timeline buckets: round steps aligned to the clock, empty buckets included."""

from __future__ import annotations

from pathlib import Path

from devfiler.analysis.results import Selection
from devfiler.analysis.selection import select_times
from devfiler.analysis.timeline import round_step, timeline
from devfiler.model import SampleKind
from tests.analysis.stores import MAIN, S1, SECOND, T0, Event, make_store

MS = 1_000_000


def test_round_steps() -> None:
    assert round_step(1000) == 1
    assert round_step(1001) == 2
    assert round_step(59_700 * MS) == 100 * MS
    assert round_step(3600 * SECOND) == 5 * SECOND
    assert round_step(24 * 3600 * SECOND) == 2 * 60 * SECOND
    assert round_step(15 * 60 * SECOND) == 1 * SECOND


def test_buckets_are_aligned_and_complete(tmp_path: Path) -> None:
    events = [
        Event(T0, S1, MAIN),
        Event(T0 + 1500 * MS, S1, MAIN),
        Event(T0 + 1550 * MS, S1, MAIN, SampleKind.OFF_CPU, 7),
        Event(T0 + 59_999 * MS, S1, MAIN),
    ]
    with make_store(tmp_path, events) as store:
        line = timeline(select_times(store, Selection(T0 + 300 * MS + 5, T0 + 60 * SECOND)))
        off = timeline(
            select_times(store, Selection(T0, T0 + SECOND * 2, frozenset({SampleKind.OFF_CPU})))
        )
    assert line.step_ns == 100 * MS
    assert line.buckets[0] == (T0 + 300 * MS, 0)
    assert len(line.buckets) == 597
    assert all(b[0] % line.step_ns == 0 for b in line.buckets)
    assert [(start - T0, w) for start, w in line.buckets if w] == [
        (1500 * MS, 2),
        (59_900 * MS, 1),
    ]
    assert off.unit.value == "nanoseconds"
    assert off.step_ns == 2 * MS
    assert [(start - T0, w) for start, w in off.buckets if w] == [(1550 * MS, 7)]
    assert len(off.buckets) == 1000


def test_empty_store_range(tmp_path: Path) -> None:
    with make_store(tmp_path, []) as store:
        line = timeline(select_times(store, Selection()))
    assert (line.start_ns, line.end_ns, line.buckets) == (0, 0, ())
