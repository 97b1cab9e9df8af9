"""Picking and joining rows keeps every row column in step and shared tables whole."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.storage.row_columns import rows_joined, rows_where


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
