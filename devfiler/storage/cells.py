"""Events summed per (second, 10 ms row, kind): the cells FlameScope draws.

The summary job stores them per summarized bucket (storage/summary_format.py),
so a FlameScope of a long range reads cells, never every event's time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.storage.events import EventTimes
from devfiler.storage.keys import NS_PER_SECOND

ROW_NS = 10_000_000
ROWS = NS_PER_SECOND // ROW_NS
_COLUMNS = ("seconds", "rows", "kinds", "counts", "weights")


@dataclass(frozen=True, slots=True)
class FlameCells:
    """Non-empty cells: their second, row (0..99), kind, event count and summed weight."""

    seconds: npt.NDArray[np.int64]
    rows: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.uint8]
    counts: npt.NDArray[np.int64]
    weights: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.counts)

    def select(self, mask: npt.NDArray[np.bool_]) -> FlameCells:
        return FlameCells(*(getattr(self, name)[mask] for name in _COLUMNS))

    @classmethod
    def joined(cls, parts: list[FlameCells]) -> FlameCells:
        """Parts (at least one) end to end."""
        return cls(*(np.concatenate([getattr(part, name) for part in parts]) for name in _COLUMNS))

    @classmethod
    def of_times(cls, times: EventTimes) -> FlameCells:
        """The events summed per cell and kind, in (second, row, kind) order."""
        seconds, within = np.divmod(times.timestamps, NS_PER_SECOND)
        if not len(seconds):
            return cls(seconds, within, times.kinds, np.empty(0, np.int64), times.weights)
        first = int(seconds.min())
        group = ((seconds - first) * ROWS + within // ROW_NS) * 256 + times.kinds
        present, index = np.unique(group, return_inverse=True)
        counts = np.bincount(index, minlength=len(present)).astype(np.int64)
        weights = np.zeros(len(present), np.int64)
        np.add.at(weights, index, times.weights)
        cell, kinds = np.divmod(present, 256)
        second, row = np.divmod(cell, ROWS)
        return cls(second + first, row, kinds.astype(np.uint8), counts, weights)
