"""The flamegraph's JSON text, written from the table, against the node serializer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devfiler.analysis.flamegraph import flamegraph_table
from devfiler.analysis.profile import load_profile
from devfiler.analysis.results import Selection
from devfiler.export.flame_json import flamegraph_json_text
from devfiler.export.json_doc import flamegraph_json
from devfiler.model import SampleKind
from tests.analysis.loadgen_store import loadgen_store
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


def nodes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    found, stack = [], [doc]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node["children"])
    return found


def test_same_document_as_the_node_serializer_on_a_broad_store(tmp_path: Path) -> None:
    with loadgen_store(tmp_path) as store:
        for selection in (Selection(), Selection(kinds=frozenset({SampleKind.OFF_CPU}))):
            graph = flamegraph_table(load_profile(store, selection))
            assert len(graph.table) > 1000
            assert json.loads(flamegraph_json_text(graph)) == flamegraph_json(graph.graph())


def test_same_document_with_symbols_and_inline_frames(tmp_path: Path) -> None:
    events = [Event(T0, S1, MAIN), Event(T0 + 1, RECURSION, WORKER), Event(T0 + 2, S2, MAIN)]
    with make_store(tmp_path, events) as store:
        profile = load_profile(store, Selection(), DictSymbols(WORK_SYMBOLS))
    graph = flamegraph_table(profile)
    assert json.loads(flamegraph_json_text(graph)) == flamegraph_json(graph.graph())


def test_min_share_leaves_out_small_nodes_and_says_how_much(tmp_path: Path) -> None:
    with loadgen_store(tmp_path) as store:
        profile = load_profile(store, Selection())
    graph = flamegraph_table(profile)
    complete = json.loads(flamegraph_json_text(graph))
    assert not any("omitted" in node for node in nodes(complete["root"]))
    doc = json.loads(flamegraph_json_text(flamegraph_table(profile, 0.01)))
    root_weight = doc["root"]["weight"]
    assert root_weight == complete["root"]["weight"]
    kept = nodes(doc["root"])
    assert 1 < len(kept) < len(nodes(complete["root"]))
    assert any("omitted" in node for node in kept)
    for node in kept[1:]:
        assert node["weight"] >= 0.01 * root_weight
    for node in kept:
        children = sum(child["weight"] for child in node["children"])
        assert node["weight"] == node["self"] + children + node.get("omitted", 0)


@pytest.mark.parametrize("share", [0.0, 0.5, 1.0])
def test_the_root_is_always_there(tmp_path: Path, share: float) -> None:
    with make_store(tmp_path, [Event(T0, S1, MAIN), Event(T0 + 1, S2, WORKER)]) as store:
        graph = flamegraph_table(load_profile(store, Selection()), share)
    doc = json.loads(flamegraph_json_text(graph))
    assert doc["root"]["weight"] == 2 and doc["root"]["kind"] == "root"


@pytest.mark.parametrize("share", [0.0001, 0.003, 0.05])
def test_leaving_out_while_building_equals_cutting_the_complete_tree(
    tmp_path: Path, share: float
) -> None:
    with loadgen_store(tmp_path) as store:
        profile = load_profile(store, Selection())
    complete = flamegraph_table(profile).table
    cut = complete.pruned(complete.weight >= share * profile.total)
    built = flamegraph_table(profile, share).table
    assert len(built) == len(cut) < len(complete)
    for column in ("box", "parent", "depth", "end", "weight", "self_weight", "omitted"):
        assert getattr(built, column).tolist() == getattr(cut, column).tolist(), column
