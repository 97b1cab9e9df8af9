"""Flamegraph trees and collapsed stacks over stores with known content."""

from __future__ import annotations

from pathlib import Path

from devfiler.analysis.collapsed import collapsed
from devfiler.analysis.flamegraph import flamegraph
from devfiler.analysis.profile import load_profile
from devfiler.analysis.results import FlameNode, Selection, Unit
from devfiler.model import EventContext, FrameKind, SampleKind, SourceLine
from tests.analysis.stores import (
    APP,
    ENTRY,
    MAIN,
    MEMCPY,
    RECURSION,
    S1,
    S2,
    SECOND,
    T0,
    WORK_AGAIN,
    WORK_SYMBOLS,
    WORKER,
    DictSymbols,
    Event,
    make_store,
    python,
)

ON = frozenset({SampleKind.ON_CPU})
OFF = frozenset({SampleKind.OFF_CPU})

EVENTS = [
    *(Event(T0 + i, S1, MAIN) for i in range(3)),
    Event(T0 + 3, S2, MAIN),
    Event(T0 + 4, S2, WORKER),
    Event(T0 + 5, S2, WORKER),
    Event(T0 + 6, S2, MAIN, SampleKind.OFF_CPU, 5000),
    Event(T0 + 7, S1, WORKER, SampleKind.OFF_CPU, 700),
]


def shape(node: FlameNode) -> tuple[object, ...]:
    return (node.label, node.weight, node.self_weight, tuple(shape(c) for c in node.children))


def test_tree_with_threads_and_mixed_counts(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        graph = flamegraph(load_profile(store, Selection()))
    assert graph.unit is Unit.SAMPLES
    assert (graph.start_ns, graph.end_ns) == (T0, T0 + 8)
    assert shape(graph.root) == (
        "100% of all samples", 8, 0, (
            ("main", 5, 0, (
                ("app+0x100", 5, 0, (
                    ("app+0x200", 5, 2, (("libc.so.6+0x300", 3, 3, ()),)),
                )),
            )),
            ("worker", 3, 0, (
                ("app+0x100", 3, 0, (
                    ("app+0x200", 3, 2, (("libc.so.6+0x300", 1, 1, ()),)),
                )),
            )),
        ),
    )  # fmt: skip
    leaf = graph.root.children[0].children[0].children[0].children[0]
    assert leaf.kind is FrameKind.NATIVE
    assert (leaf.file_id, leaf.address) == (MEMCPY.id.file_id, 0x300)
    assert graph.root.kind is None and graph.root.children[0].kind is None


def test_off_cpu_weighs_nanoseconds(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        graph = flamegraph(load_profile(store, Selection(kinds=OFF)))
        on = flamegraph(load_profile(store, Selection(kinds=ON)))
    assert graph.unit is Unit.NANOSECONDS
    assert graph.root.label == "100% of all off-CPU time"
    assert [(n.label, n.weight) for n in graph.root.children] == [("main", 5000), ("worker", 700)]
    assert on.root.label == "100% of all CPU cycles"
    assert on.root.weight == 6


def test_equal_weights_sort_by_frame_key(tmp_path: Path) -> None:
    events = [Event(T0, S2, EventContext("b")), Event(T0 + 1, S2, EventContext("a"))]
    events += [Event(T0 + 2, (MEMCPY, ENTRY), MAIN), Event(T0 + 3, S2, MAIN)]
    with make_store(tmp_path, events) as store:
        graph = flamegraph(load_profile(store, Selection()))
    assert [n.label for n in graph.root.children] == ["main", "a", "b"]
    entry = graph.root.children[0].children[0]
    assert [n.label for n in entry.children] == ["app+0x200", "libc.so.6+0x300"]


def test_inline_expansion_on_and_off(tmp_path: Path) -> None:
    symbols = DictSymbols(
        {(APP, 0x200): (SourceLine("work", "work.c", 10), SourceLine("step", "step.h", 4))}
    )
    with make_store(tmp_path, [Event(T0, S2, MAIN)]) as store:
        expanded = flamegraph(load_profile(store, Selection(), symbols))
        folded = flamegraph(load_profile(store, Selection(inline=False), symbols))

    def chain(node: FlameNode) -> list[tuple[str, bool]]:
        out = []
        while node.children:
            node = node.children[0]
            out.append((node.label, node.inline))
        return out

    assert chain(expanded.root) == [
        ("main", False),
        ("app+0x100", False),
        ("app: work in work.c:10", False),
        ("app: step in step.h:4 [Inline]", True),
    ]
    assert chain(folded.root) == chain(expanded.root)[:3]


def test_empty_range_gives_an_empty_root(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        graph = flamegraph(load_profile(store, Selection(T0 + 100 * SECOND, T0 + 200 * SECOND)))
    assert shape(graph.root) == ("100% of all samples", 0, 0, ())
    assert (graph.start_ns, graph.end_ns) == (T0 + 100 * SECOND, T0 + 200 * SECOND)


def test_collapsed_lines_are_symbolized_merged_and_sorted(tmp_path: Path) -> None:
    py = (python("handle", "app.py", 42), python("main", "app.py", 7))
    events = [*EVENTS, Event(T0 + 9, py, WORKER), Event(T0 + 10, RECURSION, MAIN)]
    with make_store(tmp_path, events) as store:
        plain = collapsed(load_profile(store, Selection(kinds=ON)))
        named = collapsed(load_profile(store, Selection(kinds=ON), DictSymbols(WORK_SYMBOLS)))
        off = collapsed(load_profile(store, Selection(kinds=OFF)))
    assert plain.lines == (
        ("main;app+0x100;app+0x200;libc.so.6+0x300", 3),
        ("worker;app+0x100;app+0x200", 2),
        ("main;app+0x100;app+0x200", 1),
        ("main;app+0x100;app+0x200;app+0x210", 1),
        ("worker;main (app.py:7);handle (app.py:42)", 1),
    )
    assert named.lines[0] == ("main;app+0x100;app: work (work.c:10);libc.so.6+0x300", 3)
    assert ("main;app+0x100;app: work (work.c:10);app: work (work.c:12)", 1) in named.lines
    assert off.unit is Unit.NANOSECONDS
    assert off.lines == (
        ("main;app+0x100;app+0x200", 5000),
        ("worker;app+0x100;app+0x200;libc.so.6+0x300", 700),
    )


def test_same_text_from_different_traces_is_one_line(tmp_path: Path) -> None:
    symbols = DictSymbols(
        {(APP, 0x200): (SourceLine("work"),), (APP, 0x210): (SourceLine("work"),)}
    )
    events = [Event(T0, S2, MAIN), Event(T0 + 1, (WORK_AGAIN, ENTRY), MAIN)]
    with make_store(tmp_path, events) as store:
        result = collapsed(load_profile(store, Selection(), symbols))
    assert result.lines == (("main;app+0x100;app: work", 2),)
