"""Stack tables extended in place: each result equals the concatenation, and no result
changes when a later one is made, from it or from an older table."""

from __future__ import annotations

import numpy as np

from devfiler.analysis.growing_stacks import extended
from devfiler.analysis.labels import LabeledFrame
from devfiler.analysis.stacks import StackTable
from devfiler.model import FrameKind


def box(name: str) -> LabeledFrame:
    return LabeledFrame(name, name, FrameKind.CPYTHON, name, key=name)


def table(*paths: tuple[str, ...]) -> StackTable:
    """Paths of box names, boxes numbered in order of first use."""
    names = list(dict.fromkeys(name for path in paths for name in path))
    code = {name: i for i, name in enumerate(names)}
    offsets = np.zeros(len(paths) + 1, dtype=np.int64)
    np.cumsum([len(path) for path in paths], out=offsets[1:])
    codes = np.array([code[name] for path in paths for name in path], dtype=np.int64)
    return StackTable(tuple(box(name) for name in names), offsets, codes)


def paths_of(stacks: StackTable) -> list[tuple[str, ...]]:
    return [
        tuple(stacks.frames[int(c)].key for c in stacks.codes[lo:hi])
        for lo, hi in zip(stacks.offsets[:-1], stacks.offsets[1:], strict=True)
    ]


BASE = table(("main", "a", "b"), ("main", "c"))


def test_added_paths_follow_with_known_boxes_numbered_as_before() -> None:
    grown, growing = extended(None, BASE, table(("main", "d"), ("main", "a", "e", "b")))
    assert paths_of(grown) == [
        ("main", "a", "b"),
        ("main", "c"),
        ("main", "d"),
        ("main", "a", "e", "b"),
    ]
    assert grown.frames[: len(BASE.frames)] == BASE.frames
    assert [f.key for f in grown.frames[len(BASE.frames) :]] == ["d", "e"]
    again, same = extended(growing, grown, table(("x",)))
    assert same is growing
    assert paths_of(again)[:4] == paths_of(grown)
    assert paths_of(again)[4] == ("x",)


def test_a_second_extension_of_one_table_leaves_the_first_alone() -> None:
    first, growing = extended(None, BASE, table(("main", "d")))
    second, _ = extended(growing, first, table(("main", "e", "f")))
    before = paths_of(second)
    # From `first` again, and from BASE: both get arrays of their own.
    branch, other = extended(growing, first, table(("main", "g")))
    assert other is not growing
    older, _ = extended(growing, BASE, table(("h",)))
    assert paths_of(second) == before
    assert paths_of(branch) == [*paths_of(first), ("main", "g")]
    assert paths_of(older) == [*paths_of(BASE), ("h",)]
    assert [f.key for f in branch.frames] == ["main", "a", "b", "c", "d", "g"]


def test_growing_past_the_room_keeps_every_earlier_table() -> None:
    stacks, growing = extended(None, BASE, table(("main",)))
    kept = [(stacks, paths_of(stacks))]
    for i in range(300):
        long_path = tuple(f"f{i}-{depth}" for depth in range(100))
        stacks, growing = extended(growing, stacks, table(long_path, ("main", "a")))
        kept.append((stacks, paths_of(stacks)))
    for stacks, paths in kept:
        assert paths_of(stacks) == paths
    assert len(kept[-1][1]) == 3 + 2 * 300
