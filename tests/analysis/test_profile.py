"""The profile value: views as pure functions of it, and the cache that loads it once."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from devfiler.analysis.collapsed import collapsed
from devfiler.analysis.flamegraph import flamegraph
from devfiler.analysis.flamescope import flamescope
from devfiler.analysis.labels import LabeledFrame
from devfiler.analysis.profile import Profile, load_profile
from devfiler.analysis.profile_cache import ProfileCache
from devfiler.analysis.results import UNBOUNDED_END, Selection, Unit
from devfiler.analysis.selection import select_times
from devfiler.analysis.stacks import StackTable
from devfiler.analysis.timeline import timeline
from devfiler.analysis.topfunctions import top_functions
from devfiler.model import FrameKind, SampleKind
from tests.analysis.loadgen_store import START_NS, loadgen_store
from tests.analysis.stores import MAIN, S1, S2, SECOND, T0, WORKER, Event, make_store


def box(name: str) -> LabeledFrame:
    return LabeledFrame(name, name, FrameKind.NATIVE, name, key=name)


def made_by_hand() -> Profile:
    """main: a -> b (2 events), a (1 event); worker: a -> b (1 event). No store at all."""
    stacks = StackTable(
        (box("a"), box("b")),
        np.array([0, 2, 3], dtype=np.int64),
        np.array([0, 1, 0], dtype=np.int64),
    )
    i64 = np.int64
    return Profile(
        selection=Selection(T0, T0 + 10),
        unit=Unit.SAMPLES,
        start_ns=T0,
        end_ns=T0 + 10,
        stacks=stacks,
        trace_numbers=np.arange(2, dtype=np.int64),
        thread_names=("main", "worker"),
        timestamps=np.array([T0, T0 + 1, T0 + 2, T0 + 3], dtype=i64),
        trace=np.array([0, 0, 1, 0], dtype=i64),
        thread=np.array([0, 0, 0, 1], dtype=i64),
        weights=np.ones(4, dtype=i64),
        pair_trace=np.array([0, 0, 1], dtype=i64),
        pair_thread=np.array([0, 1, 0], dtype=i64),
        pair_weight=np.array([2, 1, 1], dtype=i64),
    )


def test_views_are_pure_functions_of_a_profile() -> None:
    profile = made_by_hand()
    root = flamegraph(profile).root
    assert root.weight == 4
    main, worker = root.children
    assert (main.label, main.weight, worker.label, worker.weight) == ("main", 3, "worker", 1)
    assert [(c.label, c.weight, c.self_weight) for c in main.children] == [("a", 3, 1)]
    top = top_functions(profile)
    assert [(f.function, f.self_weight, f.total_weight) for f in top.items] == [
        ("b", 3, 3),
        ("a", 1, 4),
    ]
    assert collapsed(profile).lines == (("main;a;b", 2), ("main;a", 1), ("worker;a;b", 1))
    assert sum(w for _, w in timeline(profile.times).buckets) == 4


def test_a_loaded_profile_aggregates_events_per_trace_and_thread(tmp_path: Path) -> None:
    events = [Event(T0, S1, MAIN), Event(T0 + 1, S1, MAIN), Event(T0 + 2, S2, WORKER)]
    with make_store(tmp_path, events) as store:
        profile = load_profile(store, Selection())
    assert len(profile) == 3 and profile.total == 3
    assert sorted(profile.pair_weight.tolist()) == [1, 2]
    assert set(profile.thread_names) == {"main", "worker"}
    assert profile.trace_weights().sum() == 3


def test_the_cache_loads_once_per_selection_and_change(tmp_path: Path) -> None:
    events = [Event(T0, S1, MAIN), Event(T0 + 1, S2, WORKER)]
    with make_store(tmp_path, events) as store:
        cache = ProfileCache(store, None, keep=2)
        got: list[Profile] = []
        workers = [
            threading.Thread(target=lambda: got.append(cache.get(Selection(), 1))) for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert len(got) == 4 and all(p is got[0] for p in got)
        assert cache.get(Selection(), 2) is not got[0]
        assert cache.get(Selection(), 2) is cache.get(Selection(), 2)
        # Profiles are summed; times come from the store, never waiting for a profile.
        assert not cache.get(Selection(), 2).events_loaded
        assert cache.flamescope(Selection(), 2).cells() == [[T0, 0, 2]]
        cache.get(Selection(T0, T0 + 1), 2)
        cache.get(Selection(T0 + 1, T0 + 2), 2)
        assert cache.get(Selection(), 1) is not got[0]
        fresh = cache.flamescope(Selection(T0, T0 + 5), 9)
        assert fresh.cells() == flamescope(select_times(store, Selection(T0, T0 + 5))).cells()


def test_a_profile_without_times_has_the_pairs_of_one_with_them(tmp_path: Path) -> None:
    """Summing while reading gives the same pairs, ranges and views on random selections."""
    rng = np.random.default_rng(4)
    store = loadgen_store(tmp_path, seed=5, duration_s=6.0)
    try:
        selections = [Selection(), Selection(include=(("thread", "nginx"),))]
        for _ in range(8):
            start, end = sorted(rng.integers(START_NS - SECOND, START_NS + 8 * SECOND, 2).tolist())
            selections.append(Selection(start, end))
            selections.append(Selection(start, end, exclude=(("thread", "worker"),)))
            selections.append(Selection(start, UNBOUNDED_END, frozenset({SampleKind.OFF_CPU})))
        for selection in selections:
            full = load_profile(store, selection)
            summed = load_profile(store, selection, times=False)
            assert not summed.events_loaded and len(summed) == 0
            assert (summed.start_ns, summed.end_ns, summed.unit) == (
                full.start_ns,
                full.end_ns,
                full.unit,
            )
            assert _pair_set(summed) == _pair_set(full)
            assert collapsed(summed) == collapsed(full)
            assert summed.total == full.total
        with pytest.raises(ValueError, match="without event times"):
            _ = summed.times
    finally:
        store.close()


def _pair_set(profile: Profile) -> set[tuple[int, str, int]]:
    """(trace number, thread name, weight) of every pair: numbering-free."""
    return set(
        zip(
            profile.trace_numbers[profile.pair_trace].tolist(),
            [profile.thread_names[t] for t in profile.pair_thread.tolist()],
            profile.pair_weight.tolist(),
            strict=True,
        )
    )
