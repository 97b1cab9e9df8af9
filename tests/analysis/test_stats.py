"""Trace statistics and store statistics."""

from __future__ import annotations

import time
from pathlib import Path

from devfiler.analysis.results import Selection
from devfiler.analysis.stats import store_stats
from devfiler.analysis.tracestats import trace_stats
from devfiler.model import SampleKind
from devfiler.storage.summary_job import summarize
from tests.analysis.stores import (
    ENTRY,
    MAIN,
    S1,
    S2,
    T0,
    WORK,
    WORK_AGAIN,
    Event,
    make_store,
    python,
)
from tests.analysis.summarized_stores import filled_store

S5 = (WORK_AGAIN, WORK, ENTRY)
EVENTS = [
    *(Event(T0 + i, S1, MAIN) for i in range(3)),
    Event(T0 + 3, S2, MAIN),
    Event(T0 + 4, S5, MAIN),
    Event(T0 + 5, S5, MAIN),
]


def test_trace_statistics(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        stats = trace_stats(store, Selection())
    assert (stats.events, stats.unique_traces, stats.unique_traces_without_leaf) == (6, 3, 2)
    assert (stats.frames, stats.unique_frames) == (8, 4)
    assert stats.count_histogram == ((1, 1), (2, 1), (3, 1))
    assert stats.count_histogram_without_leaf == ((1, 1), (5, 1))
    assert stats.events_per_trace == 2.0
    assert stats.events_per_trace_without_leaf == 3.0
    assert stats.frames_per_unique_frame == 2.0


def test_store_statistics(tmp_path: Path) -> None:
    events = [
        *EVENTS,
        Event(T0 - 7, (python("f", "a.py", 1),), MAIN, SampleKind.OFF_CPU, 1234),
        Event(T0 + 5_000_000_123, S2, MAIN, SampleKind.OFF_CPU, 66),
        Event(T0 + 9, S2, MAIN, SampleKind.UPROBE),
    ]
    with make_store(tmp_path, events) as store:
        stats = store_stats(store)
    assert stats.events == {
        SampleKind.ON_CPU: 6,
        SampleKind.OFF_CPU: 2,
        SampleKind.UPROBE: 1,
        SampleKind.UNKNOWN: 0,
    }
    assert stats.weight[SampleKind.OFF_CPU] == 1300
    assert stats.weight[SampleKind.ON_CPU] == 6
    # Frames: memcpy, work, work again, entry (native) and the Python frame.
    assert (stats.traces, stats.frames, stats.executables) == (4, 5, 2)
    assert (stats.first_ts, stats.last_ts) == (T0 - 7, T0 + 5_000_000_123)


def test_store_statistics_through_summaries(tmp_path: Path) -> None:
    with filled_store(tmp_path) as store:
        plain = store_stats(store)
        summarize(store, time.time_ns())
        assert store_stats(store) == plain
    assert sum(plain.events.values()) == 8000
