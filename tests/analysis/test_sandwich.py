"""Sandwich view: callers and callees of one function merged over all its places."""

from __future__ import annotations

from pathlib import Path

from devfiler.analysis.profile import load_profile
from devfiler.analysis.results import FlameNode, Selection
from devfiler.analysis.sandwich import sandwich
from tests.analysis.stores import (
    MAIN,
    RECURSION,
    S1,
    S2,
    T0,
    WORK_SYMBOLS,
    WORKER,
    DictSymbols,
    Event,
    make_store,
)

EVENTS = [
    Event(T0, RECURSION, MAIN),
    Event(T0 + 1, RECURSION, WORKER),
    Event(T0 + 2, S1, MAIN),
    Event(T0 + 3, S2, MAIN),
]


def shape(node: FlameNode) -> tuple[object, ...]:
    return (node.label, node.weight, node.self_weight, tuple(shape(c) for c in node.children))


def test_callers_and_callees_with_recursion(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        result = sandwich(load_profile(store, Selection(), DictSymbols(WORK_SYMBOLS)), "work")
    assert shape(result.callees) == (
        "work", 4, 1, (
            ("app: work in work.c:12", 2, 2, ()),
            ("libc.so.6+0x300", 1, 1, ()),
        ),
    )  # fmt: skip
    assert shape(result.callers) == (
        "work", 4, 0, (
            ("app+0x100", 2, 2, ()),
            ("app: work in work.c:10", 2, 0, (("app+0x100", 2, 2, ()),)),
        ),
    )  # fmt: skip
    assert result.callees.file == "work.c"


def test_unknown_function_gives_empty_trees(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        result = sandwich(load_profile(store, Selection()), "nothing")
    assert shape(result.callers) == ("nothing", 0, 0, ())
    assert shape(result.callees) == ("nothing", 0, 0, ())


def test_unsymbolized_frame_is_its_own_function(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        result = sandwich(load_profile(store, Selection()), "libc.so.6+0x300")
    up = ("app+0x200", 1, 0, (("app+0x100", 1, 1, ()),))
    assert shape(result.callers) == ("libc.so.6+0x300", 1, 0, (up,))
    assert shape(result.callees) == ("libc.so.6+0x300", 1, 1, ())
