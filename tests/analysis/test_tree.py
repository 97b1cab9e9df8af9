"""Pair sums and flame tables: the array form of a tree and the FlameNodes made from it."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from devfiler.analysis import tree
from devfiler.analysis.flamegraph import flamegraph, flamegraph_table
from devfiler.analysis.labels import LabeledFrame, root_frame
from devfiler.analysis.profile import load_profile
from devfiler.analysis.results import FlameNode, FlameTable, Selection
from devfiler.analysis.tree import (
    Paths,
    aggregate_pairs,
    build_paths_table,
    build_table,
    zoomed_table,
)
from devfiler.model import FrameKind
from tests.analysis.stores import MAIN, S1, S2, T0, WORKER, Event, make_store


def _reference(first: list[int], second: list[int], weights: list[int]) -> list[tuple[int, ...]]:
    sums: dict[tuple[int, int], int] = {}
    for pair in zip(first, second, weights, strict=True):
        sums[pair[:2]] = sums.get(pair[:2], 0) + pair[2]
    return [(a, b, w) for (a, b), w in sorted(sums.items())]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ([3, 0, 3, 1, 0], [1, 2, 1, 0, 2]),
        ([7] * 5 + list(range(200_000)), [0, 1, 0, 2, 0] + [5] * 200_000),
        ([5, 2, 2, 5, 9] * 40_000 + [800_000], [1, 4, 3, 1, 3] * 40_000 + [8]),
        ([10**12, 0, 10**12], [1, 1, 1]),
    ],
    ids=["dense-table", "one-second-per-first", "mixed-and-single", "sparse"],
)
def test_aggregate_pairs_sums_each_distinct_pair(first: list[int], second: list[int]) -> None:
    weights = [(i * 7) % 5 for i in range(len(first))]
    got = aggregate_pairs(
        np.array(first, dtype=np.int64),
        np.array(second, dtype=np.int64),
        np.array(weights, dtype=np.int64),
    )
    rows = list(zip(*(column.tolist() for column in got), strict=True))
    assert rows == _reference(first, second, weights)


def _box(name: str) -> LabeledFrame:
    return LabeledFrame(name, name, FrameKind.NATIVE, name, key=name)


def test_table_is_depth_first_with_children_heaviest_first() -> None:
    frames = [_box("a"), _box("b"), _box("c")]
    # Paths, outermost first: a;b (x3), a;c (x4), a (x1), c (x2).
    codes = np.array([0, 1, 0, 2, 0, 2], dtype=np.int64)
    offsets = np.array([0, 2, 4, 5, 6], dtype=np.int64)
    table = build_table(frames, codes, offsets, [np.array([3, 4, 1, 2])], root_frame("all"))
    labels = [table.boxes[b].label for b in table.box.tolist()]
    assert labels == ["all", "a", "c", "b", "c"]
    assert table.parent.tolist() == [-1, 0, 1, 1, 0]
    assert table.depth.tolist() == [0, 1, 2, 2, 1]
    assert table.end.tolist() == [5, 4, 3, 4, 5]
    assert table.weight.tolist() == [10, 8, 4, 3, 2]
    assert table.self_weight.tolist() == [0, 1, 4, 3, 2]
    assert table.base_weight is None and table.change is None
    leaf = table.node(2)
    assert (leaf.label, leaf.weight, leaf.self_weight, leaf.children) == ("c", 4, 4, ())


def test_differential_table_carries_base_and_change() -> None:
    frames = [_box("a"), _box("b")]
    codes = np.array([0, 1, 0], dtype=np.int64)
    offsets = np.array([0, 1, 2, 3], dtype=np.int64)
    table = build_table(
        frames, codes, offsets, [np.array([3, 0, 1]), np.array([1, 1, 2])], root_frame("")
    )
    assert [table.boxes[b].label for b in table.box.tolist()] == ["", "a", "b"]
    assert table.weight.tolist() == [4, 4, 0]
    assert table.base_weight is not None and table.base_weight.tolist() == [4, 3, 1]
    assert table.change is not None and table.change.tolist() == [0.0, 1 / 7, -1.0]
    tree = table.tree()
    assert [(c.label, c.base_weight, c.change) for c in tree.children] == [
        ("a", 3, 1 / 7),
        ("b", 1, -1.0),
    ]


def _nodes(node: FlameNode) -> list[FlameNode]:
    return [node, *(n for child in node.children for n in _nodes(child))]


def test_flamegraph_is_its_table_as_nodes(tmp_path: Path) -> None:
    events = [Event(T0 + i, S1 if i % 3 else S2, MAIN if i % 2 else WORKER) for i in range(12)]
    with make_store(tmp_path, events) as store:
        graph = flamegraph(load_profile(store, Selection()))
        result = flamegraph_table(load_profile(store, Selection()))
    assert result.graph() == graph
    nodes = _nodes(graph.root)
    table = result.table
    assert len(table) == len(nodes)
    for index, node in enumerate(nodes):
        assert table.node(index, node.children) == node


def test_large_table_becomes_the_same_tree_as_its_nodes() -> None:
    # More nodes than FlameTable.tree converts at once: slices must join up.
    count = 70_000
    frames = [_box(f"f{i:05d}") for i in range(count)]
    codes = np.concatenate([np.arange(count), np.arange(count)]).astype(np.int64)
    offsets = np.r_[np.arange(count + 1), count + 2 * np.arange(1, count // 2 + 1)]
    weights = np.arange(len(offsets) - 1, dtype=np.int64) % 7
    table = build_table(frames, codes, offsets.astype(np.int64), [weights], root_frame("all"))
    assert len(table) > 65_536
    tree = table.tree()
    nodes = _nodes(tree)
    assert len(nodes) == len(table)
    for index in (0, 1, 2, 65_535, 65_536, 65_537, len(table) - 1):
        assert table.node(index, nodes[index].children) == nodes[index]
    assert all(a.weight >= b.weight for a, b in itertools.pairwise(tree.children))


def _random_paths(seed: int) -> tuple[list[LabeledFrame], Paths, np.ndarray]:
    """Paths over a few shared traces with a thread box on top, as a flamegraph has them."""
    rng = np.random.default_rng(seed)
    n_codes, n_threads = 12, 4
    lengths = rng.integers(0, 9, 40)
    codes = rng.integers(0, n_codes, int(lengths.sum()))
    offsets = np.r_[0, np.cumsum(lengths)]
    trace = rng.integers(0, len(lengths), 300)
    paths = Paths(
        codes, offsets[:-1][trace], lengths[trace], n_codes + rng.integers(0, n_threads, 300)
    )
    frames = [_box(f"f{i}") for i in range(n_codes)] + [_box(f"t{i}") for i in range(n_threads)]
    return frames, paths, rng.integers(0, 40, 300)


@pytest.mark.parametrize("seed", range(6))
def test_tree_cut_while_built_equals_the_complete_tree_cut_afterwards(seed: int) -> None:
    frames, paths, weights = _random_paths(seed)
    complete = build_paths_table(frames, paths, [weights], root_frame("all"))
    for min_weight in (1, 30, 200, 1000):
        cut = build_paths_table(frames, paths, [weights], root_frame("all"), min_weight)
        expected = complete.pruned(complete.weight >= min_weight)
        for name in ("box", "parent", "depth", "end", "weight", "self_weight"):
            assert getattr(cut, name).tolist() == getattr(expected, name).tolist(), name
        omitted = expected.omitted if expected.omitted is not None else np.zeros(len(expected))
        assert cut.omitted is not None and cut.omitted.tolist() == omitted.tolist()
        assert len(cut) < len(complete) or min_weight == 1


@pytest.mark.parametrize("batch", [1, 3, 50])
def test_siblings_ordered_a_few_levels_at_a_time_give_the_same_tree(
    batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small trees order all levels at once, large ones a level at a time: the same order."""
    frames, paths, weights = _random_paths(4)
    whole = build_paths_table(frames, paths, [weights], root_frame("all"))
    monkeypatch.setattr(tree, "ORDER_BATCH", batch)
    batched = build_paths_table(frames, paths, [weights], root_frame("all"))
    for name in ("box", "parent", "depth", "end", "weight", "self_weight"):
        assert getattr(batched, name).tolist() == getattr(whole, name).tolist(), name


def test_paths_with_heads_build_the_tree_of_the_same_paths_written_out() -> None:
    frames, paths, weights = _random_paths(9)
    assert paths.heads is not None
    written = [
        [int(paths.heads[i]), *paths.codes[start : start + length].tolist()]
        for i, (start, length) in enumerate(
            zip(paths.starts.tolist(), paths.lengths.tolist(), strict=True)
        )
    ]
    offsets = np.r_[0, np.cumsum([len(path) for path in written])].astype(np.int64)
    codes = np.array([code for path in written for code in path], dtype=np.int64)
    base = weights[::-1].copy()
    shared = build_paths_table(frames, paths, [weights, base], root_frame("all"))
    copied = build_table(frames, codes, offsets, [weights, base], root_frame("all"))
    assert shared.tree() == copied.tree()


def _subtree(table: FlameTable, at: int) -> np.ndarray:
    inside = np.zeros(len(table), dtype=bool)
    inside[at + 1 : int(table.end[at])] = True
    return inside


@pytest.mark.parametrize("seed", range(4))
def test_a_zoomed_node_keeps_its_own_detail_and_the_rest_stays_cut(seed: int) -> None:
    frames, paths, weights = _random_paths(seed)
    root = root_frame("all")
    complete = build_paths_table(frames, paths, [weights], root)
    coarse = build_paths_table(frames, paths, [weights], root, 150)
    # Every kept node at depth 1 and 2 in turn: thread nodes and frames under them.
    for at in np.flatnonzero((coarse.depth >= 1) & (coarse.depth <= 2)).tolist():
        keys = coarse.path_keys(at)
        zoomed = zoomed_table(coarse, frames, paths, weights, keys, 5)
        at_complete = complete.find(keys)
        assert at_complete is not None
        inside = _subtree(complete, at_complete)
        expected = complete.pruned(np.where(inside, complete.weight >= 5, complete.weight >= 150))
        for name in ("box", "parent", "depth", "end", "weight", "self_weight", "omitted"):
            assert getattr(zoomed, name).tolist() == getattr(expected, name).tolist(), name
        assert zoomed.find(keys) == at
    assert zoomed_table(coarse, frames, paths, weights, ("no such frame",), 5) is coarse
