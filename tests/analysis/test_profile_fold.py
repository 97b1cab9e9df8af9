"""Following the present: a profile moved forward equals the profile loaded anew."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from devfiler.analysis.collapsed import collapsed
from devfiler.analysis.flamegraph import flamegraph_table
from devfiler.analysis.profile import Profile, load_profile
from devfiler.analysis.profile_cache import ProfileCache
from devfiler.analysis.profile_fold import LOOKBACK_NS, can_fold, fold, load_followed
from devfiler.analysis.results import Selection
from devfiler.analysis.topfunctions import top_functions
from devfiler.config import data_paths
from devfiler.export.flame_json import flamegraph_json_text
from devfiler.loadgen.params import LoadParams
from devfiler.model import SampleKind
from devfiler.storage.batch import IngestBatch
from devfiler.storage.store import Store
from tests.analysis.loadgen_store import decoded_requests

SECOND = 1_000_000_000
T = 1_700_000_000 * SECOND


def views(profile: Profile) -> tuple[object, ...]:
    """What the window shows of a summed profile."""
    return (
        flamegraph_json_text(flamegraph_table(profile)),
        str(flamegraph_table(profile, 0.01).table.omitted),
        top_functions(profile, heat=False),
        collapsed(profile),
        profile.total,
    )


def pair_sums(profile: Profile) -> dict[tuple[int, int], int]:
    return dict(
        zip(
            zip(profile.pair_trace.tolist(), profile.pair_thread.tolist(), strict=True),
            profile.pair_weight.tolist(),
            strict=True,
        )
    )


def pair_changes(old: Profile, new: Profile) -> dict[tuple[int, int], int]:
    """How much every (trace, thread) sum changed from `old` to `new`, where it did."""
    before, after = pair_sums(old), pair_sums(new)
    moved = {pair: after.get(pair, 0) - before.get(pair, 0) for pair in before.keys() | after}
    return {pair: change for pair, change in moved.items() if change}


def told_changes(old: Profile, new: Profile) -> dict[tuple[int, int], int]:
    """What `new` says changed since `old`, which it was folded from."""
    told = new.changes
    assert told is not None and told.base is old.identity
    pairs = zip(told.trace.tolist(), told.thread.tolist(), strict=True)
    return dict(zip(pairs, told.change.tolist(), strict=True))


@pytest.fixture(scope="module")
def run() -> list[tuple[int, IngestBatch]]:
    """Four minutes of the synthetic agent: (window end, decoded request)."""
    return decoded_requests(LoadParams(start_ns=T, seed=5, rate=150.0, duration_s=240.0, threads=3))


@pytest.fixture
def halves(tmp_path: Path, run: list[tuple[int, IngestBatch]]) -> tuple[Store, list[IngestBatch]]:
    """A store holding the first 150 s of the run, and the requests of the rest."""
    store = Store.open(data_paths(tmp_path))
    for end, batch in run:
        if end <= T + 150 * SECOND:
            store.write(batch)
    return store, [batch for end, batch in run if end > T + 150 * SECOND]


MIXED = frozenset(SampleKind)


@pytest.mark.parametrize(
    "view",
    [
        Selection(T, T + 150 * SECOND),
        Selection(T, T + 150 * SECOND, frozenset({SampleKind.OFF_CPU})),
        Selection(T, T + 150 * SECOND, include=(("thread", "FIRST"),)),
    ],
    ids=["mixed", "off_cpu", "one_thread"],
)
def test_a_folded_profile_equals_a_loaded_one(
    halves: tuple[Store, list[IngestBatch]], view: Selection
) -> None:
    store, later = halves
    with store:
        if view.include:
            first = load_profile(store, Selection(T, T + 150 * SECOND), times=False).thread_names[0]
            view = dataclasses.replace(view, include=(("thread", first),))
        # The window's end is past the stored data: the next requests fall inside it.
        before = load_followed(store, view, None)
        assert before.profile.total > 0
        assert views(before.profile) == views(load_profile(store, view, times=False))
        for batch in later:
            store.write(batch)
        moved = dataclasses.replace(view, start_ns=T + 20 * SECOND, end_ns=T + 210 * SECOND)
        assert can_fold(before, moved)
        folded = fold(before, store, moved, None)
        loaded = load_profile(store, moved, times=False)
        assert folded.profile.total > before.profile.total // 2
        assert views(folded.profile) == views(loaded)
        again = dataclasses.replace(moved, start_ns=T + 100 * SECOND, end_ns=T + 240 * SECOND)
        folded_again = fold(folded, store, again, None)
        assert views(folded_again.profile) == views(load_profile(store, again, times=False))


def test_folding_second_by_second_while_requests_arrive(
    halves: tuple[Store, list[IngestBatch]],
) -> None:
    """Each request lands after its window closed; the range moves a second at a time,
    sometimes with nothing new, sometimes past seconds that are still empty."""
    store, later = halves
    with store:
        view = Selection(T + 40 * SECOND, T + 150 * SECOND)
        followed = load_followed(store, view, None)
        steps = 0
        for batch in later[:6]:
            store.write(batch)
            for _ in range(3):
                steps += 1
                view = dataclasses.replace(
                    view, start_ns=view.start_ns + SECOND, end_ns=view.end_ns + SECOND
                )
                before = followed.profile
                followed = fold(followed, store, view, None)
                assert views(followed.profile) == views(load_profile(store, view, times=False))
                assert told_changes(before, followed.profile) == pair_changes(
                    before, followed.profile
                )
        assert steps == 18
        assert (
            len(followed.second) and followed.second.min() >= (view.end_ns - LOOKBACK_NS) // SECOND
        )


def test_an_empty_range_folds_into_a_full_one(
    halves: tuple[Store, list[IngestBatch]], run: list[tuple[int, IngestBatch]]
) -> None:
    """Nothing stored at first; then requests from 200 s on (within the last minute)."""
    store, _ = halves
    with store:
        view = Selection(T + 150 * SECOND, T + 215 * SECOND)
        followed = load_followed(store, view, None)
        assert followed.profile.total == 0
        for end, batch in run:
            if end > T + 200 * SECOND:
                store.write(batch)
        moved = Selection(T + 152 * SECOND, T + 250 * SECOND)
        folded = fold(followed, store, moved, None).profile
        assert folded.total > 0
        assert views(folded) == views(load_profile(store, moved, times=False))


def test_only_a_forward_move_of_the_same_view_folds(
    halves: tuple[Store, list[IngestBatch]],
) -> None:
    store, _ = halves
    with store:
        followed = load_followed(store, Selection(T, T + 150 * SECOND), None)
        base = followed.profile.selection
        assert not can_fold(followed, dataclasses.replace(base, start_ns=T - SECOND))
        assert not can_fold(followed, dataclasses.replace(base, start_ns=T + 100 * SECOND))
        assert not can_fold(followed, dataclasses.replace(base, inline=False))
        assert not can_fold(followed, dataclasses.replace(base, include=(("thread", "x"),)))
        assert not can_fold(followed, dataclasses.replace(base, end_ns=T + 150 * SECOND + 1))
        assert not can_fold(followed, Selection())
        with pytest.raises(ValueError, match="moved forward"):
            fold(followed, store, Selection(), None)
        for unfoldable in (Selection(), Selection(T, T + 30 * SECOND)):
            loaded = load_followed(store, unfoldable, None)
            assert not loaded.foldable
            moved = dataclasses.replace(unfoldable, end_ns=T + 31 * SECOND)
            assert not can_fold(loaded, moved)


def test_what_left_is_taken_out_without_going_below_nothing(
    halves: tuple[Store, list[IngestBatch]],
) -> None:
    """Events written into seconds that leave the range after the profile was loaded
    (older than the last minute, so a fold does not see them come) are never added:
    taking them out as they leave must not leave pairs weighing less than nothing."""
    store, later = halves
    with store:
        view = Selection(T + 100 * SECOND, T + 300 * SECOND)
        followed = load_followed(store, view, None)
        for batch in later:
            store.write(batch)
        moved = Selection(T + 200 * SECOND, T + 310 * SECOND)
        folded = fold(followed, store, moved, None).profile
        assert bool((folded.pair_weight > 0).all())
        assert told_changes(followed.profile, folded) == pair_changes(followed.profile, folded)
        loaded = load_profile(store, moved, times=False)
        assert folded.total <= loaded.total


def test_the_cache_folds_a_following_range(halves: tuple[Store, list[IngestBatch]]) -> None:
    store, later = halves
    with store:
        cache = ProfileCache(store, None)
        first = Selection(T, T + 150 * SECOND)
        cache.get(first, 1)
        for batch in later:
            store.write(batch)
        moved = Selection(T + 5 * SECOND, T + 155 * SECOND)
        assert views(cache.get(moved, 2)) == views(load_profile(store, moved, times=False))
