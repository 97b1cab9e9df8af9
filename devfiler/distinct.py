"""Number equal 64-bit keys with a numpy hash table instead of sorting them.

Reading a range groups about a million keys (trace hashes, context keys,
frame IDs) into a few thousand distinct ones; sorting them all costs far more
than placing them in a table a few times the size of the distinct set, which
stays in the CPU cache. Keys are placed with linear probing, all keys of one
round at once, so a lookup costs a few numpy passes however many keys there are.
The table is sized from a sample of the keys and made larger when it fills.
The collector, the store and analysis all group keys this way, so the module
sits beside the value types, below all three.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SAMPLE = 4096
_MIN_BITS = 10
_MAX_ROUNDS = 64
"""Probing further means long runs of taken slots: a larger table is cheaper."""


def small_unique(
    indices: npt.NDArray[np.integer], size: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """np.unique(indices, return_inverse=True) for indices known to lie in [0, size).

    Indices into a request's own tables are small: marking them in a
    boolean map of the table's size replaces sorting them.
    """
    present = np.zeros(size, dtype=bool)
    present[indices] = True
    position = np.cumsum(present) - 1
    return np.flatnonzero(present), position[indices]


def group_keys(keys: npt.NDArray[np.uint64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Number the distinct keys in order of first appearance.

    Returns (number of every key, index of each number's first appearance).
    """
    n = len(keys)
    if not n:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    keys = keys.astype(np.uint64, copy=False)
    bits = max(_MIN_BITS, (8 * _estimate_distinct(keys)).bit_length())
    slots = _place(keys, bits)
    while slots is None:
        bits += 2
        slots = _place(keys, bits)
    first = np.full(1 << bits, n, dtype=np.int64)
    np.minimum.at(first, slots, np.arange(n, dtype=np.int64))
    used = np.flatnonzero(first < n)
    used = used[np.argsort(first[used], kind="stable")]
    number = np.empty(1 << bits, dtype=np.int64)
    number[used] = np.arange(len(used), dtype=np.int64)
    return number[slots], first[used]


def sorted_keys(
    keys: npt.NDArray[np.uint64],
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """`numpy.unique(keys, return_index=True, return_inverse=True)`, sorting only distinct keys.

    Returns (distinct keys ascending, index of a first appearance of each, the
    position of every key among the distinct ones).
    """
    number, first = group_keys(keys)
    order = np.argsort(keys[first], kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return keys[first[order]], first[order], rank[number]


def _estimate_distinct(keys: npt.NDArray[np.uint64]) -> int:
    """Distinct keys, guessed from a sample by how many of its keys it saw once or twice (Chao1)."""
    step = max(1, len(keys) // _SAMPLE)
    _, counts = np.unique(keys[::step], return_counts=True)
    once = int(np.count_nonzero(counts == 1))
    twice = int(np.count_nonzero(counts == 2))
    return min(len(keys), len(counts) + once * once // (2 * max(twice, 1)))


def _place(keys: npt.NDArray[np.uint64], bits: int) -> npt.NDArray[np.intp] | None:
    """The table slot of every key, or None when the table gets over half full or crowded."""
    size = 1 << bits
    owner = np.full(size, -1, dtype=np.intp)
    slots = ((keys * _GOLDEN) >> np.uint64(64 - bits)).astype(np.intp)
    pending = np.arange(len(keys), dtype=np.intp)
    at = slots
    for _ in range(_MAX_ROUNDS):
        free = owner[at] < 0
        owner[at[free]] = pending[free]
        if 2 * np.count_nonzero(owner >= 0) > size:
            return None
        placed = keys[owner[at]] == keys[pending]
        if placed.all():
            return slots
        pending = pending[~placed]
        at = (at[~placed] + 1) & (size - 1)
        slots[pending] = at
    return None


_FOLD_PRIME = np.uint64(0x9E3779B97F4A7C15)


def fold_rows(rows: npt.NDArray[np.int64] | npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """A 64-bit fold of each row of 64-bit words: a sortable key for whole rows.

    Equal rows fold equal; different rows almost never do, and callers that
    must be exact compare the rows a fold points to.
    """
    folded = np.zeros(len(rows), np.uint64)
    with np.errstate(over="ignore"):
        for column in np.ascontiguousarray(rows.T).view(np.uint64):
            folded = (folded ^ column) * _FOLD_PRIME
            folded ^= folded >> np.uint64(29)
    return folded


_RECENT_MIN = 4096
"""Rows added since the last merge that are searched apart before a merge is worth it."""


class RowIndex:
    """Fixed-width integer rows numbered in the order added, found by whole row.

    A Python dict of tuples or bytes costs a lookup per row; this asks for
    thousands of rows at once: a sorted array of folds narrows each row to
    one candidate, compared column by column, so answers are exact.

    Owners add a few hundred rows per request to indexes that grow to
    hundreds of thousands (trace hashes, frame IDs), so an addition must not
    copy the whole index: rows go into a buffer that doubles when full, and
    new folds into a small sorted part of their own, merged into the main
    one when it reaches an eighth of its size. Adding costs about as much
    per row whatever the size.
    """

    def __init__(self, width: int) -> None:
        self._buffer = np.empty((0, width), np.int64)
        self._count = 0
        self._folds = np.empty(0, np.uint64)
        self._order = np.empty(0, np.int64)
        self._recent_folds = np.empty(0, np.uint64)
        self._recent_order = np.empty(0, np.int64)

    def __len__(self) -> int:
        return self._count

    @property
    def rows(self) -> npt.NDArray[np.int64]:
        """Every row, in the order added (row i has number i)."""
        return self._buffer[: self._count]

    def find(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The number of each row, -1 where it was never added."""
        found = np.full(len(rows), -1, np.int64)
        if not self._count or not len(rows):
            return found
        folds = fold_rows(rows)
        for sorted_folds, order in (
            (self._folds, self._order),
            (self._recent_folds, self._recent_order),
        ):
            if not len(sorted_folds):
                continue
            place = np.searchsorted(sorted_folds, folds)
            inside = place < len(sorted_folds)
            place[~inside] = 0
            candidate = order[place]
            hit = inside & (sorted_folds[place] == folds)
            hit &= (self._buffer[candidate] == rows).all(axis=1)
            found[hit] = candidate[hit]
        return found

    def add(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Number rows `find` did not know (distinct ones); returns their numbers."""
        start, end = self._count, self._count + len(rows)
        if end > len(self._buffer):
            grown = np.empty((max(end, 2 * len(self._buffer)), self._buffer.shape[1]), np.int64)
            grown[:start] = self._buffer[:start]
            self._buffer = grown
        self._buffer[start:end] = rows
        self._count = end
        folds = fold_rows(rows)
        arrange = np.argsort(folds, kind="stable")
        place = np.searchsorted(self._recent_folds, folds[arrange])
        self._recent_folds = np.insert(self._recent_folds, place, folds[arrange])
        self._recent_order = np.insert(self._recent_order, place, start + arrange)
        if len(self._recent_folds) > max(_RECENT_MIN, len(self._folds) // 8):
            place = np.searchsorted(self._folds, self._recent_folds)
            self._folds = np.insert(self._folds, place, self._recent_folds)
            self._order = np.insert(self._order, place, self._recent_order)
            self._recent_folds = np.empty(0, np.uint64)
            self._recent_order = np.empty(0, np.int64)
        return np.arange(start, end)
