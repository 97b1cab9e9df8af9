"""Top functions: self and with-children weights, recursion, order, filter, heat strips."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from devfiler.analysis.profile import load_profile, read_event_paths
from devfiler.analysis.results import HEAT_BINS, Selection, TopOrder
from devfiler.analysis.topfunctions import top_functions
from devfiler.model import SampleKind
from tests.analysis.loadgen_store import START_NS, loadgen_store
from tests.analysis.stores import (
    MAIN,
    RECURSION,
    S1,
    S2,
    SECOND,
    T0,
    WORK_SYMBOLS,
    DictSymbols,
    Event,
    make_store,
)

EVENTS = [
    Event(T0, RECURSION, MAIN),
    Event(T0 + 1 * SECOND, RECURSION, MAIN),
    Event(T0 + 2 * SECOND, S1, MAIN),
    Event(T0 + 255 * SECOND, S2, MAIN),
    Event(T0 + 3 * SECOND, S2, MAIN, SampleKind.OFF_CPU, 900),
]
RANGE = Selection(T0, T0 + 256 * SECOND, frozenset({SampleKind.ON_CPU}))


def rows(result: object) -> list[tuple[str, int, int]]:
    return [(i.function, i.self_weight, i.total_weight) for i in result.items]  # type: ignore[attr-defined]


def test_recursive_function_counts_once_per_sample(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        result = top_functions(load_profile(store, RANGE, DictSymbols(WORK_SYMBOLS)))
    assert result.total == 4
    assert result.functions_total == 3
    assert rows(result) == [("work", 3, 4), ("libc.so.6+0x300", 1, 1), ("app+0x100", 0, 4)]
    work = result.items[0]
    assert (work.file, work.self_pct, work.total_pct) == ("work.c", 75.0, 100.0)


def test_without_symbols_each_address_is_its_own_function(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        result = top_functions(load_profile(store, RANGE), order=TopOrder.TOTAL)
    assert rows(result) == [
        ("app+0x200", 1, 4),
        ("app+0x100", 0, 4),
        ("app+0x210", 2, 2),
        ("libc.so.6+0x300", 1, 1),
    ]


def test_sort_by_total_filter_and_limit(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        symbols = DictSymbols(WORK_SYMBOLS)
        by_total = top_functions(load_profile(store, RANGE, symbols), order=TopOrder.TOTAL)
        filtered = top_functions(load_profile(store, RANGE, symbols), filter_text="WORK.C")
        limited = top_functions(load_profile(store, RANGE, symbols), limit=1)
    assert rows(by_total) == [("work", 3, 4), ("app+0x100", 0, 4), ("libc.so.6+0x300", 1, 1)]
    assert rows(filtered) == [("work", 3, 4)]
    assert filtered.functions_total == 1
    assert rows(limited) == [("work", 3, 4)]
    assert limited.functions_total == 3


def test_heat_strips_mark_when_a_function_was_on_the_stack(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        result = top_functions(load_profile(store, RANGE, DictSymbols(WORK_SYMBOLS)))
    work, memcpy, entry = result.items
    assert len(work.heat_total) == HEAT_BINS
    hot = [i for i, v in enumerate(work.heat_total) if v]
    assert hot == [0, 1, 2, 255]
    assert [work.heat_self[i] for i in hot] == [1.0, 1.0, 0.0, 1.0]
    assert [i for i, v in enumerate(memcpy.heat_self) if v] == [2]
    assert sum(entry.heat_self) == 0.0


def test_without_heat_the_items_are_the_same_but_have_no_strips(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        profile = load_profile(store, RANGE, DictSymbols(WORK_SYMBOLS))
    with_heat = top_functions(profile)
    without = top_functions(profile, heat=False)
    assert all(not item.heat_self and not item.heat_total for item in without.items)
    assert without == dataclasses.replace(
        with_heat,
        items=tuple(
            dataclasses.replace(item, heat_self=(), heat_total=()) for item in with_heat.items
        ),
    )


def test_off_cpu_top_functions_weigh_nanoseconds(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        result = top_functions(
            load_profile(store, Selection(kinds=frozenset({SampleKind.OFF_CPU})))
        )
    assert result.unit.value == "nanoseconds"
    assert result.total == 900
    assert rows(result) == [("app+0x200", 900, 900), ("app+0x100", 0, 900)]
    assert result.items[0].self_pct == pytest.approx(100.0)


def test_mixed_kinds_add_counts(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        result = top_functions(load_profile(store, Selection()))
    assert result.total == 5
    assert rows(result)[0] == ("app+0x200", 2, 5)


def test_empty_selection(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        result = top_functions(load_profile(store, Selection(0, 10)))
    assert (result.total, result.functions_total, result.items) == (0, 0, ())


@pytest.mark.parametrize(
    "selection",
    [
        Selection(START_NS, START_NS + 10 * SECOND),
        # Ends inside seconds, one kind, one thread.
        Selection(
            START_NS + SECOND // 3, START_NS + 7 * SECOND + 5, frozenset({SampleKind.OFF_CPU})
        ),
        Selection(START_NS, START_NS + 10 * SECOND, include=(("thread", "FIRST"),)),
        Selection(START_NS + 20 * SECOND, START_NS + 30 * SECOND),
    ],
    ids=["whole", "cut_ends_off_cpu", "one_thread", "empty"],
)
def test_heat_read_for_a_summed_profile_equals_heat_of_a_loaded_one(
    tmp_path: Path, selection: Selection
) -> None:
    with loadgen_store(tmp_path) as store:
        if selection.include:
            thread = load_profile(store, Selection(), times=False).thread_names[0]
            selection = dataclasses.replace(selection, include=(("thread", thread),))
        loaded = load_profile(store, selection)
        summed = load_profile(store, selection, times=False)
        events = read_event_paths(store, summed)
        expected = top_functions(loaded, order=TopOrder.TOTAL)
        assert top_functions(summed, order=TopOrder.TOTAL, events=events) == expected
        assert len(events.trace) == len(loaded)
        if selection.start_ns < START_NS + 20 * SECOND:
            assert any(any(item.heat_total) for item in expected.items)
