"""Picking and joining rows keeps every row column in step and shared tables whole."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.storage.row_columns import rows_grouped, rows_joined, rows_where


@dataclass(frozen=True, slots=True)
class _Rows:
    index: npt.NDArray[np.int64]
    table: npt.NDArray[np.int64]
    weight: npt.NDArray[np.int64]


def test_rows_where_picks_every_row_column_and_keeps_shared_tables() -> None:
    rows = _Rows(np.array([0, 1, 0]), np.array([7, 9]), np.array([5, 6, 8]))
    picked = rows_where(rows, np.array([True, False, True]), ("table",))
    assert picked.index.tolist() == [0, 0] and picked.weight.tolist() == [5, 8]
    assert picked.table is rows.table
    rows_alike = _Rows(np.array([0, 1, 0]), np.array([7, 9, 4]), np.array([5, 6, 8]))
    every = rows_where(rows_alike, np.array([False, True, True]))
    assert every.table.tolist() == [9, 4], "without shared tables every field is a row column"


def test_rows_joined_concatenates_every_column_in_order() -> None:
    a = _Rows(np.array([1]), np.array([2]), np.array([3]))
    b = _Rows(np.array([4, 5]), np.array([6, 7]), np.array([8, 9]))
    joined = rows_joined([a, b])
    assert (joined.index.tolist(), joined.table.tolist(), joined.weight.tolist()) == (
        [1, 4, 5],
        [2, 6, 7],
        [3, 8, 9],
    )
    assert rows_joined([a]) is a


@dataclass(frozen=True, slots=True)
class _Summed:
    numbers: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]
    weights: npt.NDArray[np.int64]
    first_ns: npt.NDArray[np.int64]
    last_ns: npt.NDArray[np.int64]


def test_rows_grouped_sums_counts_and_weights_and_spans_the_times() -> None:
    rows = _Summed(
        np.array([4, 2, 4, 2, 9]),
        np.array([1, 2, 3, 4, 5]),
        np.array([10, 20, 30, 40, 50]),
        np.array([7, 3, 5, 8, 1]),
        np.array([9, 3, 6, 8, 2]),
    )
    grouped = rows_grouped(rows, rows.numbers)
    assert grouped.numbers.tolist() == [2, 4, 9]
    assert grouped.counts.tolist() == [6, 4, 5]
    assert grouped.weights.tolist() == [60, 40, 50]
    assert grouped.first_ns.tolist() == [3, 5, 1]
    assert grouped.last_ns.tolist() == [8, 9, 2]
    empty = _Summed(*(np.empty(0, dtype=np.int64) for _ in range(5)))
    assert len(rows_grouped(empty, empty.numbers).numbers) == 0
