"""Deleting from the store: every event (the DB stats tab's "Flush event data"), the time
before a cutoff, and the unused traces, frames and contexts a retention pass found.

Retention (storage/retention.py) decides what goes; these methods delete it
under the write lock, so that no write can refer to a row between the check
and its deletion, and make the writer (storage/writing.py) forget it, so a
request that uses a deleted row again writes it again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rocksdict import WriteBatch

from devfiler.storage import records
from devfiler.storage.deduplicated_reads import DeduplicatedReads
from devfiler.storage.keys import EVENT_KEY_SIZE, decode_trace_key, encode_second, trace_key
from devfiler.storage.tables import (
    ALL_TABLES,
    CONTEXTS,
    EVENTS,
    FRAMES,
    SUMMARY_TABLES,
    TRACE_NUMBERS,
    TRACES,
    TableSpec,
)
from devfiler.storage.writing import References, Writing


@dataclass(frozen=True, slots=True)
class UnusedRows:
    """Keys of `traces` (numbers), `frames` and `contexts` rows that no event uses."""

    traces: list[bytes]
    frames: list[bytes]
    contexts: list[bytes]


class Deleting(Writing, DeduplicatedReads):
    """Deletions of events by time and of rows no event uses."""

    def delete_events(self) -> None:
        """Drop every event and summary (the DB stats tab's "Flush event data"); traces stay."""
        with self._write_lock:
            self._summaries.forget_all()
            low, high = encode_second(-(1 << 63)), b"\xff" * (EVENT_KEY_SIZE + 1)
            for spec in (EVENTS, *SUMMARY_TABLES):
                self._tables[spec.name].delete_range(low, high)
            self._db.flush()
            for spec in (EVENTS, *SUMMARY_TABLES):
                self._tables[spec.name].compact_range(None, None)

    def delete_before(self, second: int) -> None:
        """Delete the rows older than `second` of every table keyed by time, and compact them.

        A range deletion costs the same for an hour or a month; compacting
        that range drops the table files it covers. Summaries of buckets that start before
        `second` go too, also those the cut straddles.
        """
        with self._write_lock:
            self._summaries.forget_before(second)
        for spec in ALL_TABLES:
            if spec.time_key is None:
                continue
            low, high = spec.time_key(-(1 << 63)), spec.time_key(second)
            if next(self.rows(spec, low, high), None) is None:
                continue  # a deletion of nothing still costs a flush and a compaction
            table = self._tables[spec.name]
            table.delete_range(low, high)
            table.compact_range(low, high)

    def delete_unused(self, unused: UnusedRows, tracked: References) -> UnusedRows:
        """Delete rows a scan found unused, except those `tracked` writes referred to since.

        Writes wait meanwhile, so none can refer to a row between the check
        and its deletion. Deleted rows are forgotten as stored, so a later
        request that uses one writes it again. Returns what was deleted.
        """
        with self._write_lock:
            traces = [key for key in unused.traces if decode_trace_key(key) not in tracked.traces]
            tracked_keys = [trace_key(n) for n in sorted(tracked.traces)]
            kept_frames = records.frame_keys(
                [raw for raw in self._get_many(TRACES, tracked_keys) if raw]
            )
            deleted_hashes = [
                raw[: records.TRACE_HASH_BYTES] for raw in self._get_many(TRACES, traces) if raw
            ]
            frames = [
                key
                for key, kept in zip(
                    unused.frames,
                    np.isin(
                        np.frombuffer(b"".join(unused.frames), dtype=records.FRAME_KEY_DTYPE),
                        kept_frames,
                    ).tolist(),
                    strict=True,
                )
                if not kept
            ]
            contexts = [key for key in unused.contexts if key not in tracked.contexts]
            wb = WriteBatch(raw_mode=True)
            self._unpack(wb, np.array([decode_trace_key(key) for key in traces], np.int64))
            for spec, keys in (
                (TRACES, traces),
                (TRACE_NUMBERS, deleted_hashes),
                (FRAMES, frames),
                (CONTEXTS, contexts),
            ):
                for key in keys:
                    wb.delete(key, self._cf[spec.name])
            if not wb.is_empty():
                self._db.write(wb)
            self._forget(traces, frames, contexts)
            if contexts:
                self._forget_contexts()
            return UnusedRows(traces, frames, contexts)

    def compact(self, spec: TableSpec) -> None:
        """Rewrite a table's files without its deleted rows."""
        self._tables[spec.name].compact_range(None, None)
