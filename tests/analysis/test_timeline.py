"""Timeline buckets: round steps aligned to the clock, empty buckets included."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from devfiler.analysis.results import UNBOUNDED_END, UNBOUNDED_START, Selection
from devfiler.analysis.selection import select_times
from devfiler.analysis.timeline import load_timeline, round_step, timeline
from devfiler.model import SampleKind
from tests.analysis.stores import MAIN, S1, S2, SECOND, T0, WORKER, Event, make_store

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


def test_timeline_from_block_sums_equals_the_one_from_every_event(tmp_path: Path) -> None:
    """Whole-second buckets read block headers: the same buckets on random ranges."""
    rng = np.random.default_rng(5)
    span = 4000 * SECOND
    stamps = np.sort(rng.integers(0, span, 3000)).tolist()
    kinds = rng.integers(0, 2, len(stamps)).tolist()
    events = [
        Event(
            T0 + ts,
            S1 if ts % 3 else S2,
            MAIN if ts % 5 else WORKER,
            SampleKind.OFF_CPU,
            1 + ts % 97,
        )
        if off
        else Event(T0 + ts, S1, MAIN)
        for ts, off in zip(stamps, kinds, strict=True)
    ]
    ranges = [(UNBOUNDED_START, UNBOUNDED_END), (T0 + 7, UNBOUNDED_END), (UNBOUNDED_START, T0 + 9)]
    for _ in range(20):
        start, end = sorted(rng.integers(-SECOND, span + SECOND, 2).tolist())
        ranges.append((T0 + start, T0 + end))
    with make_store(tmp_path, events) as store:
        for start, end in ranges:
            for kinds_wanted in (frozenset(SampleKind), frozenset({SampleKind.OFF_CPU})):
                for buckets in (1000, 50):
                    selection = Selection(start, end, kinds_wanted)
                    exact = timeline(select_times(store, selection), buckets)
                    assert load_timeline(store, selection, buckets) == exact, (start, end)
                    filtered = Selection(start, end, kinds_wanted, include=(("thread", "main"),))
                    assert load_timeline(store, filtered, buckets) == timeline(
                        select_times(store, filtered), buckets
                    )
