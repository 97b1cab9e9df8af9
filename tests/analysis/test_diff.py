"""Differential flamegraph: weights in both ranges and the normalized change."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from devfiler.analysis.diff import diff_flamegraph
from devfiler.analysis.profile import load_profile
from devfiler.analysis.results import FlameNode, Selection
from devfiler.model import SampleKind
from tests.analysis.stores import ENTRY, MAIN, MEMCPY, S1, S2, SECOND, T0, WORKER, Event, make_store

BASE = Selection(T0, T0 + 10 * SECOND)
NOW = Selection(T0 + 10 * SECOND, T0 + 20 * SECOND)
EVENTS = [
    *(Event(T0 + i, S1, MAIN) for i in range(3)),
    Event(T0 + 3, S2, WORKER),
    Event(T0 + 10 * SECOND, S1, MAIN),
    *(Event(T0 + 10 * SECOND + i, S2, MAIN) for i in range(1, 3)),
    Event(T0 + 11 * SECOND, (MEMCPY, ENTRY), MAIN),
]


def find(node: FlameNode, *labels: str) -> FlameNode:
    for label in labels:
        node = next(child for child in node.children if child.label == label)
    return node


def test_weights_and_change_per_node(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        graph = diff_flamegraph(load_profile(store, NOW), load_profile(store, BASE))
    assert (graph.start_ns, graph.end_ns) == (NOW.start_ns, NOW.end_ns)
    assert (graph.base_start_ns, graph.base_end_ns) == (BASE.start_ns, BASE.end_ns)
    root = graph.root
    assert (root.weight, root.base_weight, root.change) == (4, 4, 0.0)
    memcpy = find(root, "main", "app+0x100", "app+0x200", "libc.so.6+0x300")
    assert (memcpy.weight, memcpy.base_weight) == (1, 3)
    assert memcpy.change == pytest.approx((0.25 - 0.75) / (0.25 + 0.75))
    new = find(root, "main", "app+0x100", "libc.so.6+0x300")
    assert (new.weight, new.base_weight, new.change) == (1, 0, 1.0)
    gone = find(root, "worker")
    assert (gone.weight, gone.base_weight, gone.change) == (0, 1, -1.0)
    assert [c.label for c in root.children] == ["main", "worker"]


def test_units_must_agree(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store, pytest.raises(ValueError, match="same unit"):
        diff_flamegraph(
            load_profile(store, NOW),
            load_profile(store, replace(BASE, kinds=frozenset({SampleKind.OFF_CPU}))),
        )


def test_two_filters_instead_of_two_ranges(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        graph = diff_flamegraph(
            load_profile(store, Selection(include=(("thread", "main"),))),
            load_profile(store, Selection(include=(("thread", "worker"),))),
        )
    assert (graph.root.weight, graph.root.base_weight) == (7, 1)
    assert find(graph.root, "worker").change == -1.0


def test_an_empty_side_compares_as_all_gone_or_all_new(tmp_path: Path) -> None:
    nothing = Selection(include=(("thread", "no such thread"),))
    with make_store(tmp_path, EVENTS) as store:
        everything = load_profile(store, Selection())
        empty = load_profile(store, nothing)
        gone = diff_flamegraph(empty, everything)
        new = diff_flamegraph(everything, empty)
    assert gone.root.weight == 0 and gone.root.base_weight == len(EVENTS)
    assert new.root.weight == len(EVENTS) and new.root.base_weight == 0
