"""Following the present: a profile moved forward equals the profile loaded anew."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from devfiler.analysis.collapsed import collapsed
from devfiler.analysis.flamegraph import flamegraph_table
from devfiler.analysis.profile import Profile, load_profile
from devfiler.analysis.profile_cache import ProfileCache
from devfiler.analysis.profile_fold import can_fold, fold
from devfiler.analysis.results import Selection
from devfiler.analysis.timeline import timeline
from devfiler.analysis.topfunctions import top_functions
from devfiler.collector.decode import decode_request
from devfiler.config import data_paths
from devfiler.export.flame_json import flamegraph_json_text
from devfiler.loadgen.params import LoadParams
from devfiler.loadgen.requests import generate
from devfiler.model import SampleKind
from devfiler.storage.batch import IngestBatch
from devfiler.storage.store import Store

SECOND = 1_000_000_000
T = 1_700_000_000 * SECOND


def views(profile: Profile) -> tuple[object, ...]:
    return (
        flamegraph_json_text(flamegraph_table(profile)),
        top_functions(profile),
        collapsed(profile),
        timeline(profile.times),
        len(profile),
        profile.total,
    )


@pytest.fixture(scope="module")
def run() -> list[tuple[int, IngestBatch]]:
    """Four minutes of the synthetic agent: (window end, decoded request)."""
    params = LoadParams(start_ns=T, seed=5, rate=150.0, duration_s=240.0, threads=3)
    return [
        (batch.window_end_ns, decode_request(batch.request, batch.window_end_ns).batch)
        for batch in generate(params)
    ]


@pytest.fixture
def halves(tmp_path: Path, run: list[tuple[int, IngestBatch]]) -> tuple[Store, list[IngestBatch]]:
    """A store holding the first 150 s of the run, and the requests of the rest."""
    store = Store.open(data_paths(tmp_path))
    for end, batch in run:
        if end <= T + 150 * SECOND:
            store.write(batch)
    return store, [batch for end, batch in run if end > T + 150 * SECOND]


@pytest.mark.parametrize(
    "kinds", [frozenset(SampleKind), frozenset({SampleKind.OFF_CPU})], ids=["mixed", "off_cpu"]
)
def test_a_folded_profile_equals_a_loaded_one(
    halves: tuple[Store, list[IngestBatch]], kinds: frozenset[SampleKind]
) -> None:
    store, later = halves
    with store:
        # The window's end is past the stored data: the next requests fall inside it.
        before = load_profile(store, Selection(T, T + 150 * SECOND, kinds))
        for batch in later:
            store.write(batch)
        moved = Selection(T + 20 * SECOND, T + 210 * SECOND, kinds)
        assert can_fold(before, moved)
        folded = fold(before, store, moved, None)
        loaded = load_profile(store, moved)
        assert len(folded) > len(before) // 2
        assert views(folded) == views(loaded)
        again = dataclasses.replace(moved, start_ns=T + 100 * SECOND, end_ns=T + 240 * SECOND)
        assert views(fold(folded, store, again, None)) == views(load_profile(store, again))


def test_only_a_forward_move_of_the_same_view_folds(
    halves: tuple[Store, list[IngestBatch]],
) -> None:
    store, _ = halves
    with store:
        profile = load_profile(store, Selection(T, T + 150 * SECOND))
    base = profile.selection
    assert not can_fold(profile, dataclasses.replace(base, start_ns=T - SECOND))
    assert not can_fold(profile, dataclasses.replace(base, start_ns=T + 100 * SECOND))
    assert not can_fold(profile, dataclasses.replace(base, inline=False))
    assert not can_fold(profile, dataclasses.replace(base, include=(("thread", "x"),)))
    assert not can_fold(profile, Selection())
    with pytest.raises(ValueError, match="moved forward"):
        fold(profile, store, Selection(), None)


def test_the_cache_folds_a_following_range(halves: tuple[Store, list[IngestBatch]]) -> None:
    store, later = halves
    with store:
        cache = ProfileCache(store, None)
        first = Selection(T, T + 150 * SECOND)
        cache.get(first, 1)
        for batch in later:
            store.write(batch)
        moved = Selection(T + 5 * SECOND, T + 155 * SECOND)
        assert views(cache.get(moved, 2)) == views(load_profile(store, moved))
