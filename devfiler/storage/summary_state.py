"""What the writer knows of the summaries, so that no reader sees one that disagrees with
the event blocks.

Buckets nest: a 10-minute bucket lies in one hour, which lies in one day (UTC).
A bucket is summarized only once all its buckets one level down that hold
data are, and a late write into a bucket drops the summaries of every level
that contains it in the write's own batch (storage/writing.py). The summary
job (storage/summary_job.py) builds a bucket outside the write lock: the
state notes which bucket is being built, and the build is refused at commit
when a write or a deletion touched it meanwhile. Retention raises a floor
below which nothing is committed any more, since its key-range deletion of
old summaries does not take the write lock. The store calls every method
with its write lock held.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.storage.keys import NS_PER_SECOND
from devfiler.storage.summary_format import decode_summary_key, summary_key

LEVELS = (86400, 3600, 600)
"""Bucket lengths in seconds, largest first; each divides the one before it.

No minutes: on a busy host a minute holds nearly as many distinct (trace,
context) rows as events, so its summary would cost more to store than it
saves; 10 minutes sum a quarter away, an hour half (BENCHMARKS.md)."""
FINEST = LEVELS[-1]


@dataclass(slots=True)
class _Build:
    start_s: int
    end_s: int
    touched: bool = False


class SummaryState:
    """The buckets that have summaries (by length) and the one being built."""

    def __init__(self) -> None:
        self.present: dict[int, set[int]] = {length: set() for length in LEVELS}
        self.floor_s = -(1 << 63)
        """Buckets starting before this second are never summarized again (retention)."""
        self._build: _Build | None = None
        self._end_s = -(1 << 63)
        """No summary nor build reaches this second."""

    def load(self, keys: Iterable[bytes]) -> None:
        """Learn the stored summaries from their keys."""
        for key in keys:
            start, length = decode_summary_key(key)
            if length in self.present:
                self.committed(start, length)

    def covering(self, second: int) -> tuple[int, int] | None:
        """(start, length) of the largest summarized bucket holding `second`, if any."""
        for length in LEVELS:
            start = second - second % length
            if start in self.present[length]:
                return start, length
        return None

    def stale_keys(self, timestamps: Iterable[npt.NDArray[np.int64]]) -> list[bytes]:
        """Summary keys a write of events at these times makes wrong; forgets them.

        Called before the write; the store deletes the keys in the same batch.
        Events after every summary and build (live data) cost one comparison.
        """
        late = [
            np.unique(np.floor_divide(stamps, NS_PER_SECOND))
            for stamps in timestamps
            if len(stamps) and int(stamps.min()) // NS_PER_SECOND < self._end_s
        ]
        keys: list[bytes] = []
        for second in set(np.concatenate(late).tolist()) if late else ():
            build = self._build
            if build is not None and build.start_s <= second < build.end_s:
                build.touched = True
            for length in LEVELS:
                start = second - second % length
                if start in self.present[length]:
                    self.present[length].discard(start)
                    keys.append(summary_key(start, length))
        return keys

    def forget_before(self, second: int) -> None:
        """Retention is about to delete the summaries of buckets starting before `second`."""
        self.floor_s = max(self.floor_s, second)
        build = self._build
        if build is not None and build.start_s < second:
            build.touched = True
        for starts in self.present.values():
            starts.difference_update([start for start in starts if start < second])

    def forget_all(self) -> None:
        """Every event and summary is about to go."""
        for starts in self.present.values():
            starts.clear()
        if self._build is not None:
            self._build.touched = True

    def begin(self, start_s: int, end_s: int) -> None:
        self._build = _Build(start_s, end_s)
        self._end_s = max(self._end_s, end_s)

    def end(self) -> None:
        self._build = None

    def may_commit(self) -> bool:
        """Whether the bucket being built is still what its events say."""
        build = self._build
        return build is not None and not build.touched and build.start_s >= self.floor_s

    def committed(self, start_s: int, length_s: int) -> None:
        self.present[length_s].add(start_s)
        self._end_s = max(self._end_s, start_s + length_s)
