"""Reshaped stacks: ignore rules hide or cut, recursion merges, focus roots at a function."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from devfiler.analysis.collapsed import collapsed
from devfiler.analysis.flamegraph import flamegraph
from devfiler.analysis.results import Selection
from devfiler.analysis.shape import load_shaped
from devfiler.analysis.shape_options import IgnoreAction, IgnoreRule, StackShape
from devfiler.analysis.topfunctions import top_functions
from tests.analysis.stores import SHAPED_EVENTS, T0, make_store


def names(text: str) -> str:
    return ";".join(part.split(" (")[0] for part in text.split(";"))


def stacks(tmp_path: Path, shape: StackShape) -> dict[str, int]:
    with make_store(tmp_path, SHAPED_EVENTS) as store:
        profile = load_shaped(store, Selection(shape=shape), None)
    return {names(text): weight for text, weight in collapsed(profile).lines}


def test_the_plain_shape_keeps_the_stacks(tmp_path: Path) -> None:
    assert stacks(tmp_path, StackShape()) == {
        "main;main;serve;wrapper;walk;walk;walk;leaf": 1,
        "main;main;serve;wrapper;walk;leaf": 1,
        "worker;main;serve;wrapper": 1,
        "worker;main;leaf": 1,
    }


def test_hidden_frames_merge_into_their_caller(tmp_path: Path) -> None:
    shape = StackShape(ignore=(IgnoreRule("^wrap"), IgnoreRule(r"tree\.py:22")))
    assert stacks(tmp_path, shape) == {
        "main;main;serve;walk;walk;leaf": 1,
        "main;main;serve;walk;leaf": 1,
        "worker;main;serve": 1,
        "worker;main;leaf": 1,
    }


def test_a_cut_drops_what_the_frame_called(tmp_path: Path) -> None:
    shape = StackShape(ignore=(IgnoreRule("serve", IgnoreAction.CUT),))
    assert stacks(tmp_path, shape) == {
        "main;main;serve": 2,
        "worker;main;serve": 1,
        "worker;main;leaf": 1,
    }
    with make_store(tmp_path / "again", SHAPED_EVENTS) as store:
        top = top_functions(load_shaped(store, Selection(shape=shape), None))
    by_name = {row.function: row.self_weight for row in top.items}
    assert by_name["serve"] == 3 and "walk" not in by_name


def test_merged_recursion_keeps_one_box_per_run(tmp_path: Path) -> None:
    assert stacks(tmp_path, StackShape(merge_recursion=True)) == {
        "main;main;serve;wrapper;walk;leaf": 2,
        "worker;main;serve;wrapper": 1,
        "worker;main;leaf": 1,
    }


def test_focus_keeps_only_stacks_through_the_function_from_its_outermost_call(
    tmp_path: Path,
) -> None:
    shape = StackShape(focus="walk")
    assert stacks(tmp_path, shape) == {"main;walk;walk;walk;leaf": 1, "main;walk;leaf": 1}
    with make_store(tmp_path / "again", SHAPED_EVENTS) as store:
        profile = load_shaped(store, Selection(shape=shape), None)
    assert profile.total == 2 and len(profile) == 2
    assert np.array_equal(np.sort(profile.timestamps), [T0, T0 + 1])
    graph = flamegraph(profile)
    assert [child.label for child in graph.root.children] == ["main"]
    assert graph.root.children[0].children[0].label.startswith("walk")


def test_focus_on_an_unknown_function_is_empty(tmp_path: Path) -> None:
    assert stacks(tmp_path, StackShape(focus="nothing")) == {}


def test_a_bad_pattern_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="bad ignore pattern '\\(unclosed'"):
        IgnoreRule("(unclosed")
    with pytest.raises(ValueError, match="must not be empty"):
        IgnoreRule("")
