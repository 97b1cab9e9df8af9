"""Events summed per (10 ms cell, kind): what FlameScope draws.

A cell is numbered by its start in units of 10 ms since the epoch, so its
second is `cell // ROWS` and its row within the second `cell % ROWS`. The
summary job stores cells per summarized bucket (storage/summary_format.py),
so a FlameScope of a long range reads cells, never every event's time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.storage.events import EventTimes
from devfiler.storage.keys import NS_PER_SECOND
from devfiler.storage.row_columns import rows_joined, rows_where

ROW_NS = 10_000_000
ROWS = NS_PER_SECOND // ROW_NS


@dataclass(frozen=True, slots=True)
class FlameCells:
    """Non-empty (cell, kind) pairs with their event count and summed weight."""

    cells: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.uint8]
    counts: npt.NDArray[np.int64]
    weights: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.counts)

    def select(self, mask: npt.NDArray[np.bool_]) -> FlameCells:
        return rows_where(self, mask)

    @classmethod
    def joined(cls, parts: list[FlameCells]) -> FlameCells:
        """Parts (at least one) end to end."""
        return rows_joined(parts)

    @classmethod
    def of_times(cls, times: EventTimes) -> FlameCells:
        """The events summed per cell and kind, in (kind, cell) order."""
        cells = np.floor_divide(times.timestamps, ROW_NS)
        if not len(cells):
            return cls(cells, times.kinds, np.empty(0, np.int64), times.weights)
        first = int(cells.min())
        span = int(cells.max()) - first + 1
        present, index = np.unique(
            times.kinds * np.int64(span) + (cells - first), return_inverse=True
        )
        counts = np.bincount(index, minlength=len(present)).astype(np.int64)
        weights = np.zeros(len(present), np.int64)
        np.add.at(weights, index, times.weights)
        kinds, local = np.divmod(present, span)
        return cls(local + first, kinds.astype(np.uint8), counts, weights)
