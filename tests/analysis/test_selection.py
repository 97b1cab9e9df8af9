"""Selections: time range, kinds, include and exclude filters on event contexts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from devfiler.analysis.results import Selection, Unit
from devfiler.analysis.selection import select_events, select_times, select_weights
from devfiler.model import SampleKind
from devfiler.storage.summary_job import summarize
from tests.analysis.stores import CRON, MAIN, S1, S2, SECOND, T0, WORKER, Event, make_store
from tests.analysis.summarized_stores import RANGES, filled_store

EVENTS = [
    Event(T0, S1, MAIN),
    Event(T0 + 1, S1, WORKER),
    Event(T0 + 2, S2, WORKER),
    Event(T0 + 3, S2, CRON),
    Event(T0 + 4, S2, CRON, SampleKind.OFF_CPU, 250),
    Event(T0 + 5, S2, MAIN, SampleKind.UPROBE),
]


def picked(tmp_path: Path, **filters: tuple[tuple[str, str], ...]) -> list[int]:
    with make_store(tmp_path, EVENTS) as store:
        events = select_events(store, Selection(**filters))  # type: ignore[arg-type]
    return sorted((events.columns.timestamps - T0).tolist())


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        ((("thread", "worker"),), (), [1, 2]),
        ((("thread", "worker"), ("thread", "cron")), (), [1, 2, 3, 4]),
        ((), (("thread", "worker"),), [0, 3, 4, 5]),
        ((("pid", "200"),), (), [3, 4]),
        ((("exe", "app"),), (), [0, 1, 2, 5]),
        ((("exe", "/usr/sbin/cron"),), (), [3, 4]),
        ((("container", "c0ffee"),), (), [0, 1, 2, 5]),
        ((("service", "web"),), (("thread", "main"),), [1, 2]),
        ((("service", "web"), ("pid", "200")), (), []),
        ((), (("container", "c0ffee"), ("pid", "200")), []),
    ],
)
def test_filters(
    tmp_path: Path,
    include: tuple[tuple[str, str], ...],
    exclude: tuple[tuple[str, str], ...],
    expected: list[int],
) -> None:
    assert picked(tmp_path, include=include, exclude=exclude) == expected


def test_unknown_filter_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown filter"):
        Selection(include=(("host", "x"),))


def test_units_and_weights(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        off = select_events(store, Selection(kinds=frozenset({SampleKind.OFF_CPU})))
        mixed = select_events(store, Selection())
        uprobe = select_events(store, Selection(kinds=frozenset({SampleKind.UPROBE})))
    assert (off.unit, off.total) == (Unit.NANOSECONDS, 250)
    assert (mixed.unit, mixed.total) == (Unit.SAMPLES, 6)
    assert (uprobe.unit, uprobe.total) == (Unit.SAMPLES, 1)
    assert set(mixed.thread_names) == {"main", "worker", "cron"}


def test_range_is_half_open_and_unbounded_ends_take_the_data_extent(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        part = select_events(store, Selection(T0 + 1, T0 + 3))
        everything = select_events(store, Selection())
        tail = select_events(store, Selection(start_ns=T0 + 4))
        nothing = select_events(store, Selection(T0 + SECOND, T0 + 2 * SECOND))
    assert sorted((part.columns.timestamps - T0).tolist()) == [1, 2]
    assert (part.start_ns, part.end_ns) == (T0 + 1, T0 + 3)
    assert (everything.start_ns, everything.end_ns) == (T0, T0 + 6)
    assert (tail.start_ns, tail.end_ns) == (T0 + 4, T0 + 6)
    assert (len(nothing), nothing.start_ns, nothing.end_ns) == (0, T0 + SECOND, T0 + 2 * SECOND)


@pytest.mark.parametrize(
    "selection",
    [
        Selection(),
        Selection(T0 + 1, T0 + 5),
        Selection(kinds=frozenset({SampleKind.OFF_CPU})),
        Selection(include=(("thread", "worker"), ("thread", "cron"))),
        Selection(start_ns=T0 + 2, exclude=(("pid", "200"),)),
        Selection(T0 + SECOND, T0 + 2 * SECOND),
    ],
)
def test_times_agree_with_events(tmp_path: Path, selection: Selection) -> None:
    with make_store(tmp_path, EVENTS) as store:
        times = select_times(store, selection)
        events = select_events(store, selection)
    assert (times.unit, times.start_ns, times.end_ns) == (
        events.unit,
        events.start_ns,
        events.end_ns,
    )
    assert sorted(zip(times.timestamps.tolist(), times.weights.tolist(), strict=True)) == sorted(
        zip(events.columns.timestamps.tolist(), events.weights.tolist(), strict=True)
    )


def test_weights_through_summaries_keep_the_exact_range_under_filters(tmp_path: Path) -> None:
    """Unbounded ends come from the first and last event the filters keep, to the ns."""
    with filled_store(tmp_path) as store:
        summarize(store, time.time_ns())
        for start, end in RANGES:
            for include in ((), (("thread", "thread-1"),), (("pid", "3"),)):
                selection = Selection(start, end, include=include)
                weights = select_weights(store, selection)
                events = select_events(store, selection)
                assert (weights.start_ns, weights.end_ns) == (events.start_ns, events.end_ns)
                assert int(weights.weights.sum()) == events.total
