"""The kept cut tree: updated through folds, it equals the tree built from scratch."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from devfiler.analysis.cut_tree import CutTree
from devfiler.analysis.flamegraph import Zoom, flamegraph_table
from devfiler.analysis.profile import Profile
from devfiler.analysis.profile_fold import fold, load_followed
from devfiler.analysis.results import FlameTable, Selection
from devfiler.analysis.shape import shaped
from devfiler.analysis.shape_options import IgnoreAction, IgnoreRule, StackShape
from devfiler.config import data_paths
from devfiler.loadgen.params import LoadParams
from devfiler.model import SampleKind
from devfiler.storage.batch import IngestBatch
from devfiler.storage.store import Store
from tests.analysis.loadgen_store import decoded_requests

SECOND = 1_000_000_000
T = 1_700_000_000 * SECOND


def same(a: FlameTable, b: FlameTable) -> bool:
    fields = ("box", "parent", "depth", "end", "weight", "self_weight", "omitted")
    return a.boxes == b.boxes and all(
        np.array_equal(getattr(a, name), getattr(b, name)) for name in fields
    )


@pytest.fixture(scope="module")
def run() -> list[tuple[int, IngestBatch]]:
    """Three minutes of a broad synthetic agent: (window end, decoded request)."""
    return decoded_requests(
        LoadParams(start_ns=T, seed=11, rate=400.0, duration_s=180.0, threads=4)
    )


def followed_profiles(
    path: Path, run: list[tuple[int, IngestBatch]], view: Selection, steps: int
) -> list[Profile]:
    """The profiles of a window following the present: a request lands, the range moves
    a second at a time."""
    store = Store.open(data_paths(path))
    with store:
        later = []
        for end, batch in run:
            if end <= view.end_ns:
                store.write(batch)
            else:
                later.append(batch)
        followed = load_followed(store, view, None)
        profiles = [followed.profile]
        for step in range(steps):
            if step % 5 == 0 and later:
                store.write(later.pop(0))
            view = dataclasses.replace(
                view, start_ns=view.start_ns + SECOND, end_ns=view.end_ns + SECOND
            )
            followed = fold(followed, store, view, None)
            profiles.append(followed.profile)
    return profiles


@pytest.mark.parametrize("share", [1 / 2048, 0.003, 0.02, 0.2])
def test_the_kept_tree_equals_the_built_one_while_following(
    tmp_path: Path, run: list[tuple[int, IngestBatch]], share: float
) -> None:
    view = Selection(T + 10 * SECOND, T + 100 * SECOND)
    profiles = followed_profiles(tmp_path, run, view, 30)
    tree = CutTree()
    for profile in profiles:
        assert same(tree.table(profile, share), flamegraph_table(profile, share).table)
    # The first fold kept a tree and most of the other 29 updated it; at a small cut
    # (18 events here) what enters a left-out place soon reaches the margin and the
    # tree is built again.
    assert 1 <= tree.builds <= 3


def test_a_zoomed_graph_and_other_kinds_filters_and_shapes(
    tmp_path: Path, run: list[tuple[int, IngestBatch]]
) -> None:
    plain = Selection(T + 10 * SECOND, T + 100 * SECOND, frozenset({SampleKind.ON_CPU}))
    profiles = followed_profiles(tmp_path, run, plain, 12)
    shape = StackShape(ignore=(IgnoreRule("^libc", IgnoreAction.HIDE),), merge_recursion=True)
    tree, deep_tree, reshaped_tree = CutTree(), CutTree(), CutTree()
    first = flamegraph_table(profiles[0], 0.01).table
    deep = first.path_keys(int(np.flatnonzero(first.depth == 3)[0]))
    for profile in profiles:
        zoom = Zoom(first.path_keys(1), 0.0005)
        assert same(
            tree.graph(profile, 0.01, zoom).table, flamegraph_table(profile, 0.01, zoom).table
        )
        zoom = Zoom(deep, 0.0002)
        assert same(
            deep_tree.graph(profile, 0.01, zoom).table, flamegraph_table(profile, 0.01, zoom).table
        )
        reshaped = shaped(profile, shape)
        assert same(reshaped_tree.table(reshaped, 0.005), flamegraph_table(reshaped, 0.005).table)
    # The whole tree and the zoomed node's are each built once, then updated.
    assert tree.builds == 2
    assert deep_tree.builds == 2
    assert reshaped_tree.builds == 1


def test_a_profile_that_does_not_extend_the_last_builds_again(
    tmp_path: Path, run: list[tuple[int, IngestBatch]]
) -> None:
    view = Selection(T + 10 * SECOND, T + 100 * SECOND)
    profiles = followed_profiles(tmp_path, run, view, 3)
    other = followed_profiles(
        tmp_path / "other", run, dataclasses.replace(view, kinds=frozenset({SampleKind.OFF_CPU})), 1
    )
    empty = dataclasses.replace(
        profiles[0],
        pair_trace=profiles[0].pair_trace[:0],
        pair_thread=profiles[0].pair_thread[:0],
        pair_weight=profiles[0].pair_weight[:0],
    )
    tree = CutTree()
    builds = []
    for profile in [profiles[0], other[0], profiles[1], empty, profiles[0], profiles[2]]:
        assert same(tree.table(profile, 0.01), flamegraph_table(profile, 0.01).table)
        builds.append(tree.builds)
    # Another view, then back, then nothing: none was folded from the last, so the
    # tree is only built as `flamegraph_table` builds it, and none is kept.
    assert builds[:4] == [0, 0, 0, 0]
