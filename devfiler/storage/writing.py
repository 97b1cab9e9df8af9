"""Writing a request: one RocksDB write batch, so it is stored whole or not at all, and
the write-ahead log keeps every acknowledged request across a crash.

The writer keeps in memory what it knows is stored (trace numbers by hash,
frame IDs, context keys, executables), so a request of thousands of traces
and frames, nearly all stored before, costs a few array lookups. Deletions
(storage/deleting.py) make it forget what they delete. Each write drops the
summaries of the time it touches (storage/summary_book.py) and packs the
ranges of trace numbers it completes (storage/trace_pack_table.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rocksdict import WriteBatch

from devfiler.distinct import RowIndex, small_unique
from devfiler.identity import FRAME_ID_BYTES
from devfiler.model import EventContext, Executable
from devfiler.storage import records
from devfiler.storage.batch import EventRows, IngestBatch, TraceTable
from devfiler.storage.blocks import encode_block
from devfiler.storage.errors import StoreError
from devfiler.storage.keys import (
    MAX_TRACE_NUMBER,
    NS_PER_SECOND,
    U32,
    U64,
    decode_trace_key,
    event_key,
    trace_key,
)
from devfiler.storage.summary_book import SummaryBook
from devfiler.storage.tables import (
    CONTEXTS,
    EVENTS,
    EXECUTABLES,
    FRAMES,
    META,
    SUMMARY_TABLES,
    TRACE_NUMBERS,
    TRACES,
)
from devfiler.storage.trace_numbers import TraceNumbers, hash_rows
from devfiler.storage.trace_pack_table import TracePackTable

_SEQUENCE_KEY = b"sequence"
_TRACE_COUNTER_KEY = b"traces"
_CONTEXTS_REMEMBERED = 1_000_000
"""Contexts whose keys the writer keeps in memory; past it, it starts over (rewriting a
context is harmless, the key is its content's hash)."""
_TRACES_REMEMBERED = 1_000_000
"""Trace hashes whose numbers the writer keeps in memory (about 40 bytes each); past it, it
starts over, and the hashes it forgot are found in `trace_numbers` again when they come."""


@dataclass(slots=True)
class References:
    """Trace numbers and `contexts` keys that writes referred to while a retention pass ran."""

    traces: set[int] = field(default_factory=set)
    contexts: set[bytes] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class _LearnedTraces:
    """Traces a write makes known to the writer's index: distinct hash rows, their numbers,
    and which request traces were new to the store (they took the next numbers)."""

    rows: npt.NDArray[np.int64]
    numbers: npt.NDArray[np.int64]
    fresh: list[int]

    @classmethod
    def nothing(cls) -> _LearnedTraces:
        return cls(np.empty((0, 2), np.int64), np.empty(0, np.int64), [])


class Writing(TracePackTable, SummaryBook):
    """The writing of requests, and what the writer remembers of what is stored."""

    _trace_numbers: TraceNumbers
    _seen_frames: RowIndex
    _context_keys: dict[EventContext, int]
    _known_executables: dict[int, Executable]
    _tracked: References | None
    _sequence: int
    _trace_counter: int

    def _start_writer(self) -> None:
        self._trace_numbers = TraceNumbers()
        self._seen_frames = RowIndex(FRAME_ID_BYTES // 8)
        self._context_keys = {}
        self._known_executables = {}
        self._tracked = None
        raw = self._tables[META.name].get(_SEQUENCE_KEY)
        self._sequence = U64.unpack(raw)[0] if raw else 0
        raw = self._tables[META.name].get(_TRACE_COUNTER_KEY)
        self._trace_counter = U64.unpack(raw)[0] if raw else 0

    def write(self, batch: IngestBatch) -> None:
        """Store a validated request atomically (one RocksDB write batch)."""
        with self._write_lock:
            wb = WriteBatch(raw_mode=True)
            numbers, learned = self._put_traces(wb, batch.trace_table)
            described = batch.frames
            new_frames = np.concatenate(
                [
                    self._put_frames(
                        wb, batch.described_ids, lambda i: records.encode_frame(described[i])
                    ),
                    self._put_frames(wb, batch.bare_frame_ids, lambda i: b""),
                ]
            )
            context_keys, new_contexts = self._put_contexts(wb, batch.contexts)
            new_executables = self._put_executables(wb, batch.executables)
            if self._tracked is not None:
                self._tracked.traces.update(numbers.tolist())
                self._tracked.contexts.update(U64.pack(int(key)) for key in context_keys)
            for key in self._summaries.stale_keys(rows.timestamps for rows in batch.events):
                for spec in SUMMARY_TABLES:
                    wb.delete(key, self._cf[spec.name])
            sequence = self._sequence
            for rows in batch.events:
                sequence = self._put_events(wb, rows, numbers, context_keys, sequence)
            if sequence != self._sequence:
                wb.put(_SEQUENCE_KEY, U64.pack(sequence), self._cf[META.name])
            counter = self._trace_counter + len(learned.fresh)
            if counter != self._trace_counter:
                wb.put(_TRACE_COUNTER_KEY, U64.pack(counter), self._cf[META.name])
            if not wb.is_empty():
                self._db.write(wb)
            self._sequence = sequence
            self._trace_counter = counter
            if len(self._trace_numbers) + len(learned.rows) > _TRACES_REMEMBERED:
                self._trace_numbers = TraceNumbers()
            self._trace_numbers.add(learned.rows, learned.numbers)
            if len(new_frames):
                self._seen_frames.add(np.unique(new_frames, axis=0))
            if len(self._context_keys) + len(new_contexts) > _CONTEXTS_REMEMBERED:
                self._context_keys.clear()
            self._context_keys.update(new_contexts)
            self._known_executables.update(new_executables)
            self._pack_ranges(counter - len(learned.fresh), counter)

    def _put_traces(
        self, wb: WriteBatch, traces: TraceTable
    ) -> tuple[npt.NDArray[np.int64], _LearnedTraces]:
        """The number of every trace of the request; traces new to the store get the next
        numbers and their rows. Also returns what the writer's index should learn.

        The index answers for nearly all hashes; the others are asked of the
        `trace_numbers` table before they count as new.
        """
        rows = hash_rows(traces.hashes)
        numbers = self._trace_numbers.find(rows)
        unknown = np.flatnonzero(numbers < 0)
        if not len(unknown):
            return numbers, _LearnedTraces.nothing()
        stored = self._get_many(TRACE_NUMBERS, [traces.hashes[i] for i in unknown.tolist()])
        fresh: list[int] = []
        number_of_hash: dict[bytes, int] = {}
        for i, raw in zip(unknown.tolist(), stored, strict=True):
            key = traces.hashes[i]
            if raw is not None:
                numbers[i] = U32.unpack(raw)[0]
            elif key in number_of_hash:
                numbers[i] = number_of_hash[key]
            else:
                number = number_of_hash[key] = self._trace_counter + len(fresh)
                if number > MAX_TRACE_NUMBER:
                    raise StoreError(f"the store at {self.paths.db} has numbered 2^32 traces")
                numbers[i] = number
                fresh.append(i)
                wb.put(trace_key(number), key + traces.value(i), self._cf[TRACES.name])
                wb.put(key, U32.pack(number), self._cf[TRACE_NUMBERS.name])
        _, first = np.unique(rows[unknown], axis=0, return_index=True)
        learned = unknown[first]
        return numbers, _LearnedTraces(rows[learned], numbers[learned], fresh)

    def _put_frames(
        self, wb: WriteBatch, ids: npt.NDArray[np.uint8], value: Callable[[int], bytes]
    ) -> npt.NDArray[np.int64]:
        """Rows for the frames (IDs as rows of bytes) new to the store; `value(i)` is the
        stored value of frame i. Returns the new IDs as rows of words.

        A request brings thousands of frames, nearly all stored before, so
        whether one is new is asked of an index of the IDs written (one
        array lookup), not of a set of byte strings.
        """
        words = ids.view(np.int64)
        unseen = np.flatnonzero(self._seen_frames.find(words) < 0)
        _, first = np.unique(words[unseen], axis=0, return_index=True)
        fresh = unseen[first]
        cf = self._cf[FRAMES.name]
        for i in fresh.tolist():
            wb.put(ids[i].tobytes(), value(i), cf)
        return words[fresh]

    def _put_contexts(
        self, wb: WriteBatch, contexts: list[EventContext]
    ) -> tuple[npt.NDArray[np.uint64], list[tuple[EventContext, int]]]:
        """Keys of the contexts; the new ones are written. Contexts the store wrote are
        remembered with their key, so that only new ones are encoded and hashed."""
        cf = self._cf[CONTEXTS.name]
        keys = np.empty(len(contexts), dtype=np.uint64)
        fresh = []
        known = self._context_keys
        for i, context in enumerate(contexts):
            key = known.get(context)
            if key is None:
                encoded = records.encode_context(context)
                key = records.context_key(encoded)
                wb.put(U64.pack(key), encoded, cf)
                fresh.append((context, key))
            keys[i] = key
        return keys, fresh

    def _put_executables(
        self, wb: WriteBatch, executables: list[Executable]
    ) -> dict[int, Executable]:
        cf = self._cf[EXECUTABLES.name]
        table = self._tables[EXECUTABLES.name]
        changed: dict[int, Executable] = {}
        for exe in executables:
            key = exe.file_id.value
            old = changed.get(key) or self._known_executables.get(key)
            if old is None:
                raw = table.get(exe.file_id.to_bytes())
                old = records.decode_executable(exe.file_id.to_bytes(), raw) if raw else None
            merged = exe if old is None else records.merge_executables(old, exe)
            if merged != old:
                wb.put(exe.file_id.to_bytes(), records.encode_executable(merged), cf)
            changed[key] = merged
        return changed

    def _put_events(
        self,
        wb: WriteBatch,
        rows: EventRows,
        trace_numbers: npt.NDArray[np.int64],
        context_keys: npt.NDArray[np.uint64],
        sequence: int,
    ) -> int:
        if not len(rows):
            return sequence
        cf = self._cf[EVENTS.name]
        seconds = np.floor_divide(rows.timestamps, NS_PER_SECOND)
        span = seconds - seconds.min()
        # A request covers a few seconds: sorting small offsets lets numpy use radix sort.
        order = np.argsort(span.astype(np.uint16) if span.max() < 1 << 16 else span, kind="stable")
        seconds = seconds[order]
        starts = np.flatnonzero(np.r_[True, seconds[1:] != seconds[:-1]])
        ends = np.r_[starts[1:], len(seconds)]
        for begin, end in zip(starts.tolist(), ends.tolist(), strict=True):
            pick = order[begin:end]
            second = int(seconds[begin])
            contexts_used, context_local = small_unique(rows.context_index[pick], len(context_keys))
            sequence += 1
            wb.put(
                event_key(second, rows.kind, sequence),
                encode_block(
                    rows.kind,
                    rows.timestamps[pick] - second * NS_PER_SECOND,
                    trace_numbers[rows.trace_index[pick]],
                    context_keys[contexts_used],
                    context_local,
                    rows.weights[pick],
                ),
                cf,
            )
        return sequence

    @contextmanager
    def tracking_references(self) -> Iterator[References]:
        """While open, every write adds the traces and contexts it refers to.

        A retention pass scans the events for what they use while the
        collector keeps writing; what writes referred to meanwhile must stay.
        """
        tracked = References()
        with self._write_lock:
            self._tracked = tracked
        try:
            yield tracked
        finally:
            with self._write_lock:
                self._tracked = None

    def _forget(self, traces: list[bytes], frames: list[bytes], contexts: list[bytes]) -> None:
        """Drop deleted rows from what the writer believes is stored (call with the lock)."""
        self._trace_numbers.forget(np.array([decode_trace_key(key) for key in traces], np.int64))
        if frames:
            gone = RowIndex(FRAME_ID_BYTES // 8)
            gone.add(np.frombuffer(b"".join(frames), np.int64).reshape(len(frames), -1))
            rows = self._seen_frames.rows
            self._seen_frames = RowIndex(FRAME_ID_BYTES // 8)
            self._seen_frames.add(rows[gone.find(rows) < 0])
        if contexts:
            deleted = {U64.unpack(key)[0] for key in contexts}
            self._context_keys = {
                context: key for context, key in self._context_keys.items() if key not in deleted
            }
