"""The writer's memory of which trace hash has which number in the store.

Every distinct trace gets a dense integer number when it is first stored
(the `trace_numbers` table maps hash to number, `traces` is keyed by
number), and event blocks refer to traces by it: 4 bytes per event instead
of a 16-byte hash, and integer work for readers. Each request brings about
a thousand hashes, nearly all seen before, so the writer asks this index
for all of them in one array lookup and the database only for the few it
does not know (after a restart, or for traces retention let go of).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from devfiler.distinct import RowIndex

HASH_BYTES = 16


def hash_rows(hashes: list[bytes]) -> npt.NDArray[np.int64]:
    """16-byte hashes as rows of two 64-bit words, the form the index compares."""
    return np.frombuffer(b"".join(hashes), dtype=np.int64).reshape(len(hashes), 2)


class TraceNumbers:
    """Hash rows and their numbers, found many at a time."""

    def __init__(self) -> None:
        self._index = RowIndex(HASH_BYTES // 8)
        self._numbers = np.empty(0, np.int64)

    def __len__(self) -> int:
        return len(self._index)

    def find(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The number of each hash row, -1 where it is not known."""
        position = self._index.find(rows)
        found = np.full(len(rows), -1, np.int64)
        known = position >= 0
        found[known] = self._numbers[position[known]]
        return found

    def add(self, rows: npt.NDArray[np.int64], numbers: npt.NDArray[np.int64]) -> None:
        """Remember distinct hash rows `find` did not know, with their numbers."""
        if len(rows):
            self._index.add(rows)
            self._numbers = np.concatenate([self._numbers, numbers.astype(np.int64)])

    def forget(self, numbers: npt.NDArray[np.int64]) -> None:
        """Drop the hashes of deleted traces, so that a later request stores them again."""
        keep = ~np.isin(self._numbers, numbers)
        if keep.all():
            return
        rows, kept_numbers = self._index.rows[keep], self._numbers[keep]
        self._index = RowIndex(HASH_BYTES // 8)
        self._numbers = np.empty(0, np.int64)
        self.add(rows, kept_numbers)
