"""FlameScope cells from exact nanosecond timestamps."""

from __future__ import annotations

import time
from pathlib import Path

from devfiler.analysis.flamescope import (
    by_columns,
    column_seconds,
    flamescope,
    store_flamescope,
)
from devfiler.analysis.results import Selection
from devfiler.analysis.selection import select_times
from devfiler.model import SampleKind
from devfiler.storage.summary_job import summarize
from tests.analysis.stores import MAIN, S1, SECOND, T0, Event, make_store
from tests.analysis.summarized_stores import KINDS, RANGES, filled_store

MS = 1_000_000


def test_cells_per_second_and_10ms_row(tmp_path: Path) -> None:
    events = [
        Event(T0 + 5, S1, MAIN),
        Event(T0 + 9 * MS + 999_999, S1, MAIN),
        Event(T0 + 10 * MS, S1, MAIN),
        Event(T0 + 2 * SECOND - 1, S1, MAIN),
        Event(-SECOND + 15 * MS, S1, MAIN),
        Event(T0 + 10 * MS, S1, MAIN, SampleKind.OFF_CPU, 40),
    ]
    with make_store(tmp_path, events) as store:
        scope = flamescope(select_times(store, Selection(kinds=frozenset({SampleKind.ON_CPU}))))
        off = flamescope(select_times(store, Selection(kinds=frozenset({SampleKind.OFF_CPU}))))
    assert scope.cells() == [
        [-SECOND, 1, 1],
        [T0, 0, 2],
        [T0, 1, 1],
        [T0 + SECOND, 99, 1],
    ]
    assert off.cells() == [[T0, 1, 40]]
    # Spread far wider than their number: columns of two seconds from the first event's.
    assert by_columns(scope, 2).cells() == [
        [-SECOND, 1, 1],
        [T0 - SECOND, 0, 2],
        [T0 - SECOND, 1, 1],
        [T0 + SECOND, 99, 1],
    ]
    assert off.unit.value == "nanoseconds"


def test_from_summaries_as_from_the_events(tmp_path: Path) -> None:
    """Without filters the store's cells (mostly summaries) give it; the same as the events."""
    with filled_store(tmp_path) as store:
        summarize(store, time.time_ns())
        for start, end in RANGES:
            for kinds in KINDS:
                for include in ((), (("thread", "thread-1"),)):
                    selection = Selection(
                        start, end, frozenset(kinds or SampleKind), include=include
                    )
                    planned = store_flamescope(store, selection)
                    plain = flamescope(select_times(store, selection))
                    assert (planned.start_ns, planned.end_ns) == (plain.start_ns, plain.end_ns)
                    assert planned.cells() == plain.cells()


def test_columns_of_several_seconds_sum_their_seconds_rows(tmp_path: Path) -> None:
    """Columns count from the range's first second; a row sums that 10 ms step of each of
    the column's seconds. Filtered selections (read from events) give the same."""
    events = [
        Event(T0 + 5 * MS, S1, MAIN),
        Event(T0 + SECOND + 5 * MS, S1, MAIN),
        Event(T0 + 2 * SECOND + 15 * MS, S1, MAIN),
        Event(T0 + 3 * SECOND + 5 * MS, S1, MAIN),
        Event(T0 + 7 * SECOND + 995 * MS, S1, MAIN),
    ]
    with make_store(tmp_path, events) as store:
        plain = Selection(T0 + 500 * MS, T0 + 9 * SECOND)
        filtered = Selection(T0 + 500 * MS, T0 + 9 * SECOND, include=(("thread", "main"),))
        scopes = [store_flamescope(store, s, 3) for s in (plain, filtered)]
        auto = store_flamescope(store, plain, None)
    for scope in scopes:
        assert scope.column_ns == 3 * SECOND
        assert scope.cells() == [
            [T0, 0, 1],
            [T0, 1, 1],
            [T0 + 3 * SECOND, 0, 1],
            [T0 + 6 * SECOND, 99, 1],
        ], "the event at T0 + 5 ms is before the range"
    assert auto.column_ns == SECOND and len(auto) == 4


def test_long_ranges_pick_columns_of_several_seconds() -> None:
    assert column_seconds(T0, T0 + 3600 * SECOND) == 1
    assert column_seconds(T0 + 1, T0 + 3600 * SECOND + 1) == 1, "3,601 seconds touched"
    assert column_seconds(T0, T0 + 86_400 * SECOND) == 22
    assert column_seconds(T0, T0) == 1
