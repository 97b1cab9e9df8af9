"""The writer's index of trace numbers: found by hash, forgotten when deleted."""

from __future__ import annotations

import numpy as np

from devfiler.storage.trace_numbers import TraceNumbers, hash_rows


def _hashes(count: int, seed: int) -> list[bytes]:
    rng = np.random.default_rng(seed)
    return [bytes(row) for row in rng.integers(0, 256, (count, 16), dtype=np.uint8)]


def test_known_hashes_give_their_numbers_unknown_ones_minus_one() -> None:
    index = TraceNumbers()
    known = _hashes(300, 1)
    index.add(hash_rows(known[:200]), np.arange(200, dtype=np.int64) * 3)
    index.add(hash_rows(known[200:]), 600 + np.arange(100, dtype=np.int64))
    asked = [known[5], _hashes(1, 2)[0], known[250], known[0]]
    assert index.find(hash_rows(asked)).tolist() == [15, -1, 650, 0]
    assert len(index) == 300


def test_hashes_sharing_a_word_stay_apart() -> None:
    a, b = b"\1" * 8 + b"\2" * 8, b"\1" * 8 + b"\0" * 8
    index = TraceNumbers()
    index.add(hash_rows([a]), np.array([7], np.int64))
    assert index.find(hash_rows([b, a])).tolist() == [-1, 7]


def test_forgotten_numbers_are_unknown_again() -> None:
    index = TraceNumbers()
    hashes = _hashes(10, 3)
    index.add(hash_rows(hashes), np.arange(10, dtype=np.int64))
    index.forget(np.array([2, 9], np.int64))
    assert index.find(hash_rows(hashes)).tolist() == [0, 1, -1, 3, 4, 5, 6, 7, 8, -1]
    assert len(index) == 8
