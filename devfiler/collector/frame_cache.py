"""Frames the agent described, across requests, found by their content as integer rows.

Every request numbers its strings, functions and mappings anew, so the same
interpreted frames arrive again and again under new indices; what they say
is the key. A Python lookup per location costs more than the rest of a
request's decoding, so the content of each location with at most one line
is an integer row instead (strings and mappings interned to process-wide
numbers): its frame type, mapping, address, and its line's function name,
system name, file, line and column. Rows are found with a sorted array of
64-bit folds and checked column by column; only rows never seen before make
a Frame, in Python (distinct.py, RowIndex). Locations with several
lines (rare) keep a dictionary keyed by their Python content.

Bounded: everything is forgotten when `limit` frames are known, between two
requests, so the numbers a request uses stay consistent within it. One
request at a time uses the cache (`request()`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

from devfiler.distinct import RowIndex
from devfiler.identity import FRAME_ID_BYTES
from devfiler.model import Frame

ROW_WIDTH = 8
"""type, mapping, address, function name, system name, file, line, column (-1: none)."""


class FrameCache:
    """Frames by content; the collector keeps one for all its requests."""

    def __init__(self, limit: int = 500_000) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._forget()

    def _forget(self) -> None:
        self._strings: dict[str, int] = {}
        self._mappings: dict[Hashable, int] = {}
        self._multi: dict[Hashable, int] = {}
        self.frames: list[Frame] = []
        self._index = RowIndex(ROW_WIDTH)
        self._frame_of_row = np.empty(0, np.int64)
        self._ids = np.empty((0, FRAME_ID_BYTES), np.uint8)

    @contextlib.contextmanager
    def request(self) -> Iterator[FrameCache]:
        """Hold the cache for one request's lookups (requests are decoded in parallel).

        Frame indices are valid only inside: the cache may forget everything
        when the next request begins.
        """
        with self._lock:
            if len(self.frames) >= self._limit or len(self._strings) >= 4 * self._limit:
                self._forget()
            yield self

    def string_numbers(self, strings: Sequence[str]) -> npt.NDArray[np.int64]:
        """Process-wide numbers of the strings, in their order."""
        table = self._strings
        numbers = list(map(table.get, strings))
        if None in numbers:
            numbers = [
                table.setdefault(s, len(table)) if n is None else n
                for s, n in zip(strings, numbers, strict=True)
            ]
        return np.array(numbers, np.int64)

    def mapping_number(self, key: Hashable) -> int:
        return self._mappings.setdefault(key, len(self._mappings))

    def find(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The frame index of each row, -1 where the row was never seen."""
        number = self._index.find(rows)
        known = number >= 0
        number[known] = self._frame_of_row[number[known]]
        return number

    def add(
        self, rows: npt.NDArray[np.int64], make: Callable[[int], Frame]
    ) -> npt.NDArray[np.int64]:
        """Frame indices of rows `find` did not know; `make(i)` builds row i's frame.

        Equal rows share one new frame.
        """
        distinct, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
        start = len(self.frames)
        new_frames = [make(int(i)) for i in first]
        self._append(new_frames)
        self._index.add(distinct)
        self._frame_of_row = np.r_[self._frame_of_row, np.arange(start, len(self.frames))]
        return start + inverse.reshape(-1)

    def index_of(self, key: Hashable, make: Callable[[], Frame]) -> int:
        """The frame index of a location with several lines, by its Python content."""
        index = self._multi.get(key)
        if index is None:
            index = self._multi[key] = len(self.frames)
            self._append([make()])
        return index

    def _append(self, frames: Sequence[Frame]) -> None:
        self.frames.extend(frames)
        raw = b"".join(frame.id.to_bytes() for frame in frames)
        self._ids = np.concatenate(
            [self._ids, np.frombuffer(raw, np.uint8).reshape(-1, FRAME_ID_BYTES)]
        )

    def ids(self, indices: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
        """Stored frame IDs (rows of FRAME_ID_BYTES) of frame indices."""
        return self._ids[indices]
