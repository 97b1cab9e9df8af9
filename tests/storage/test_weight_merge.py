"""Summed parts merged into a running sum equal summing all their events at once."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from devfiler.storage.events import EventColumns, EventWeights, sum_events
from devfiler.storage.weight_merge import sum_weights

_BIG_KEY = np.uint64(0xFFFF_0000_0000_0001)
"""A context key above 2**63: keys order as unsigned numbers."""


def _events(seed: int, n: int, start_ns: int) -> EventColumns:
    """`n` events from `start_ns` on, over traces and contexts most parts share, a context
    of the part's own (only ever on CPU) and a few kinds."""
    shared = np.random.default_rng(0)
    numbers = np.unique(shared.integers(0, 400, size=30)).astype(np.int64)
    own = np.uint64(seed * 1_000_003 + 17)
    keys = np.unique(
        np.r_[shared.integers(1, 1 << 62, size=8).astype(np.uint64), _BIG_KEY, own]
    ).astype(np.uint64)
    rng = np.random.default_rng(seed)
    context_index = rng.integers(0, len(keys), size=n).astype(np.intp)
    kinds = rng.choice(np.array([1, 2, 4], np.uint8), size=n)
    kinds[keys[context_index] == own] = 1
    return EventColumns(
        start_ns + np.sort(rng.integers(0, 1000, size=n)).astype(np.int64),
        kinds,
        rng.integers(1, 50, size=n).astype(np.int64),
        rng.integers(0, len(numbers), size=n).astype(np.intp),
        numbers,
        context_index,
        keys,
    )


def _joined(parts: list[EventColumns]) -> EventColumns:
    """The parts' events as one set of columns with tables of their own."""
    numbers = np.unique(np.concatenate([p.trace_numbers for p in parts]))
    keys = np.unique(np.concatenate([p.context_keys for p in parts]))
    return EventColumns(
        np.concatenate([p.timestamps for p in parts]),
        np.concatenate([p.kinds for p in parts]),
        np.concatenate([p.weights for p in parts]),
        np.concatenate([np.searchsorted(numbers, p.trace_numbers[p.trace_index]) for p in parts]),
        numbers,
        np.concatenate([np.searchsorted(keys, p.context_keys[p.context_index]) for p in parts]),
        keys,
    )


def _same(a: EventWeights, b: EventWeights) -> None:
    for name in EventWeights.__slots__:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
        assert getattr(a, name).dtype == getattr(b, name).dtype, name


@pytest.mark.parametrize("sizes", [[500, 700, 300], [1, 0, 900], [800], [0], []])
def test_merged_parts_equal_summing_every_event(sizes: list[int]) -> None:
    parts = [_events(seed, n, 1000 * seed) for seed, n in enumerate(sizes)]
    expected = sum_events(_joined(parts)) if parts else sum_events(EventColumns.empty())
    _same(sum_weights(sum_events(part) for part in parts), expected)


def test_parts_of_some_kinds_keep_only_the_contexts_their_rows_use() -> None:
    """A kind filter keeps a part's context table whole; the sum names used keys only."""
    parts = [_events(seed, 400, 1000 * seed) for seed in range(3)]
    off_cpu = [p.select(p.kinds == 2) for p in parts]
    summed = [s.select(s.kinds == 2) for s in map(sum_events, parts)]
    _same(sum_weights(summed), sum_events(_joined(off_cpu)))


def test_a_part_out_of_order_or_with_a_key_twice_is_summed_first() -> None:
    parts = [_events(seed, 600, 1000 * seed) for seed in range(2)]
    first, second = map(sum_events, parts)
    shuffled = np.random.default_rng(9).permutation(len(second))
    twice = np.r_[shuffled, shuffled[:5]]
    halves = dataclasses.replace(second, counts=second.counts.copy(), weights=second.weights.copy())
    # The repeated rows carry what their first copies no longer do.
    halves.counts[shuffled[:5]] -= 1
    halves.weights[shuffled[:5]] -= 1
    repeated = dataclasses.replace(
        halves,
        trace_index=halves.trace_index[twice],
        context_index=halves.context_index[twice],
        kinds=halves.kinds[twice],
        counts=np.r_[halves.counts[shuffled], np.ones(5, np.int64)],
        weights=np.r_[halves.weights[shuffled], np.ones(5, np.int64)],
        first_ns=halves.first_ns[twice],
        last_ns=halves.last_ns[twice],
    )
    _same(sum_weights([first, repeated]), sum_events(_joined(parts)))


def test_counts_and_weights_given_as_one_array_are_summed_apart() -> None:
    """A stored summary without weights gives its counts as its weights: adding into one
    must not add into the other."""
    parts = [_events(seed, 300, 1000 * seed) for seed in range(2)]
    counted = [dataclasses.replace(p, weights=np.ones(len(p), np.int64)) for p in parts]
    shared = [dataclasses.replace(s, weights=s.counts) for s in map(sum_events, counted)]
    _same(sum_weights(shared), sum_events(_joined(counted)))
