"""The store's side of the summaries: which buckets are summarized, and storing a built one.

The summary job (storage/summary_job.py) builds a bucket's summary while
writes go on; `building_summary` and `put_summary` refuse it when a write or
a deletion touched its time meanwhile, using the writer's bookkeeping
(storage/summary_state.py) under the write lock. Reads through the summaries
are in storage/event_reads.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from rocksdict import WriteBatch

from devfiler.storage.handles import Handles
from devfiler.storage.keys import encode_second
from devfiler.storage.summary_format import decode_summary_key, summary_key
from devfiler.storage.summary_state import SummaryState
from devfiler.storage.tables import SUMMARY_INDEX, TableSpec


class SummaryBook(Handles):
    """What is summarized, and the storing of new summaries."""

    _summaries: SummaryState

    def _start_summaries(self) -> None:
        self._summaries = SummaryState()
        if self.writable:
            self._summaries.load(key for key, _ in self.rows(SUMMARY_INDEX))

    def summarized(self, start_s: int, end_s: int) -> list[tuple[int, int]]:
        """(start second, length) of the summarized buckets that start in [start_s, end_s);
        none when following an owner of the version before summaries."""
        if SUMMARY_INDEX.name not in self._tables:
            return []
        keys = self.rows(SUMMARY_INDEX, encode_second(start_s), encode_second(end_s))
        return [decode_summary_key(key) for key, _ in keys]

    @property
    def summary_state(self) -> SummaryState:
        """What the writer knows of the summaries (read it, do not change it)."""
        return self._summaries

    @contextmanager
    def building_summary(self, start_s: int, end_s: int) -> Iterator[None]:
        """While open, writes and deletions of [start_s, end_s) make `put_summary` refuse."""
        with self._write_lock:
            self._summaries.begin(start_s, end_s)
        try:
            yield
        finally:
            with self._write_lock:
                self._summaries.end()

    def put_summary(self, start_s: int, length_s: int, values: Mapping[TableSpec, bytes]) -> bool:
        """Store the summary of the bucket being built (`building_summary`), one value per
        summary table besides the index, unless a write or a deletion touched its time
        meanwhile; whether it was stored."""
        key = summary_key(start_s, length_s)
        with self._write_lock:
            if not self._summaries.may_commit():
                return False
            wb = WriteBatch(raw_mode=True)
            wb.put(key, b"", self._cf[SUMMARY_INDEX.name])
            for spec, value in values.items():
                wb.put(key, value, self._cf[spec.name])
            self._db.write(wb)
            self._summaries.committed(start_s, length_s)
            return True

    def summary_values(self, spec: TableSpec, buckets: list[tuple[int, int]]) -> list[bytes | None]:
        """The stored summaries of (start, length) buckets from one summary table."""
        return self._get_many(spec, [summary_key(start, length) for start, length in buckets])
