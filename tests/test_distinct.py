"""Grouping 64-bit keys with the hash table gives what numpy's sorting unique gives, and
the row index answers as a dict of rows would."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from devfiler.distinct import RowIndex, group_keys, small_unique, sorted_keys


def _cases() -> dict[str, npt.NDArray[np.uint64]]:
    rng = np.random.default_rng(11)
    pool = rng.integers(0, 1 << 63, 3000, dtype=np.uint64) * np.uint64(2)
    return {
        "few": pool[:5][rng.integers(0, 5, 10_000)],
        "many": pool[rng.integers(0, 3000, 50_000)],
        "all-distinct": rng.permutation(np.arange(20_000, dtype=np.uint64)),
        "late-variety": np.concatenate(
            [np.full(40_000, 7, dtype=np.uint64), np.arange(30_000, dtype=np.uint64) << 40]
        ),
        "one": np.array([1 << 63], dtype=np.uint64),
        "empty": np.empty(0, dtype=np.uint64),
    }


@pytest.mark.parametrize("name", list(_cases()))
def test_groups_number_keys_by_first_appearance(name: str) -> None:
    keys = _cases()[name]
    number, first = group_keys(keys)
    _, index, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(index)
    expected = np.empty(len(index), dtype=np.int64)
    expected[order] = np.arange(len(index))
    assert first.tolist() == index[order].tolist()
    assert number.tolist() == expected[inverse.reshape(-1)].tolist()


@pytest.mark.parametrize("name", list(_cases()))
def test_sorted_keys_is_numpy_unique(name: str) -> None:
    keys = _cases()[name]
    distinct, first, inverse = sorted_keys(keys)
    expected, expected_inverse = np.unique(keys, return_inverse=True)
    assert distinct.tolist() == expected.tolist()
    assert inverse.tolist() == expected_inverse.reshape(-1).tolist()
    assert keys[first].tolist() == expected.tolist()


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_small_unique_matches_np_unique(size: int) -> None:
    values = np.random.default_rng(size).integers(0, size, 5000).astype(np.uint32)
    distinct, position = small_unique(values, size)
    expected, inverse = np.unique(values, return_inverse=True)
    assert distinct.tolist() == expected.tolist()
    assert position.tolist() == inverse.reshape(-1).tolist()


def test_small_unique_of_nothing() -> None:
    distinct, position = small_unique(np.empty(0, np.uint32), 4)
    assert distinct.tolist() == [] and position.tolist() == []


def test_row_index_numbers_rows_as_a_dict_does() -> None:
    """Across buffer growth and merges of the recent part: every answer a dict would give."""
    rng = np.random.default_rng(5)
    # Small values make rows that share columns; large ones make folds of every kind.
    pool = np.concatenate(
        [
            rng.integers(0, 4, (2_000, 3), dtype=np.int64),
            rng.integers(-(2**63), 2**63 - 1, (40_000, 3), dtype=np.int64),
        ]
    )
    pool = np.unique(pool, axis=0)
    pool = pool[rng.permutation(len(pool))]
    index = RowIndex(3)
    known: dict[tuple[int, ...], int] = {}
    taken = 0
    for size in [0, 1, 7, 500, 4_096, 3_000, 9_000, 1, 0, 12_000, 2_500, 5_000]:
        fresh = pool[taken : taken + size]
        taken += size
        old = pool[rng.integers(0, max(taken, 1), size // 2)] if taken else pool[:0]
        asked = np.concatenate([old, fresh, pool[taken : taken + 50]])
        expected = [known.get(tuple(row), -1) for row in asked.tolist()]
        assert index.find(asked).tolist() == expected
        numbers = index.add(fresh)
        assert numbers.tolist() == list(range(len(known), len(known) + size))
        known.update(
            (tuple(row), n) for row, n in zip(fresh.tolist(), numbers.tolist(), strict=True)
        )
        assert len(index) == len(known)
    assert index.rows.tolist() == pool[:taken].tolist()
    assert index.find(pool[:taken]).tolist() == list(range(taken))
    assert (index.find(pool[taken:]) == -1).all()
