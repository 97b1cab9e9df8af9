"""The store: one RocksDB, one column family per table (storage/tables.py).

A collector request is written as one RocksDB write batch, so it is stored
whole or not at all, and the write-ahead log keeps every acknowledged request
across a crash. One process owns the database read-write; other processes
(the command line while the collector runs) open it as a RocksDB secondary
instance that catches up with the owner's write-ahead log when it opens.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import struct
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Self, TypeVar, cast

import numpy as np
import numpy.typing as npt
from rocksdict import AccessType, Options, Rdict, WriteBatch

from devfiler.config import SCHEMA_VERSION, DataPaths
from devfiler.distinct import RowIndex, small_unique
from devfiler.identity import FRAME_ID_BYTES
from devfiler.model import (
    EventContext,
    Executable,
    Frame,
    FrameId,
    SampleKind,
    Trace,
)
from devfiler.storage import records, trace_packs
from devfiler.storage.batch import EventRows, IngestBatch, TraceTable
from devfiler.storage.blocks import (
    Block,
    BlockSummary,
    decode_block,
    encode_block,
    read_summary,
)
from devfiler.storage.cells import FlameCells
from devfiler.storage.events import (
    WEIGHT_CHUNK_BLOCKS,
    EventColumns,
    EventTimes,
    EventWeights,
    SecondRows,
    SecondSums,
    merge_blocks,
    merge_times,
    merge_weights,
    sum_blocks,
    sum_weights,
)
from devfiler.storage.keys import (
    EVENT_KEY_SIZE,
    MAX_TRACE_NUMBER,
    NS_PER_SECOND,
    decode_event_key,
    decode_trace_key,
    encode_second,
    event_key,
    trace_key,
)
from devfiler.storage.summary_format import (
    decode_cells,
    decode_rows,
    decode_seconds,
    decode_summary_key,
    summary_key,
)
from devfiler.storage.summary_plan import ReadPlan, plan_read
from devfiler.storage.summary_state import LEVELS, SummaryState
from devfiler.storage.tables import (
    ALL_TABLES,
    CONTEXTS,
    EVENTS,
    EXECUTABLES,
    FRAMES,
    META,
    SUMMARY_CELLS,
    SUMMARY_INDEX,
    SUMMARY_ROWS,
    SUMMARY_SECONDS,
    SUMMARY_TABLES,
    TRACE_NUMBERS,
    TRACE_PACKS,
    TRACES,
    TableSpec,
    db_options,
    table_options,
)
from devfiler.storage.trace_numbers import TraceNumbers, hash_rows

_SCHEMA_KEY = b"schema"
_SEQUENCE_KEY = b"sequence"
_TRACE_COUNTER_KEY = b"traces"
_PACK_SIZE_KEY = b"trace pack size"
_U64 = struct.Struct(">Q")
_U32 = struct.Struct(">I")
_TABLE_PROPERTY = re.compile(r"([a-z][a-z ]*)=(\d+);")
_CONTEXTS_REMEMBERED = 1_000_000
"""Contexts whose keys the writer keeps in memory; past it, it starts over (rewriting a
context is harmless, the key is its content's hash)."""
_TRACES_REMEMBERED = 1_000_000
"""Trace hashes whose numbers the writer keeps in memory (about 40 bytes each); past it, it
starts over, and the hashes it forgot are found in `trace_numbers` again when they come."""


class StoreError(RuntimeError):
    """The store cannot be opened or read; the message says why and what to do."""


class OutdatedStoreError(StoreError):
    """The store was written by an older devfiler whose data this version cannot read.

    Schema 1 frame IDs merged frames that are different (PROTOCOL.md,
    "Identifying a frame"), so they cannot be converted; schema 2 event blocks
    name traces by hash, not number. The way out is another data folder or
    deleting the old event data (`Store.discard`).
    """

    def __init__(self, paths: DataPaths, version: int) -> None:
        super().__init__(
            f"the store at {paths.db} was written by an older devfiler (schema {version}) "
            f"whose layout this version (schema {SCHEMA_VERSION}) cannot read; start with "
            "another --data-dir, or add --discard-old-store to delete that old data (symbol "
            "files are kept)"
        )
        self.paths = paths
        self.version = version


@dataclass(slots=True)
class References:
    """Trace numbers and `contexts` keys that writes referred to while a retention pass ran."""

    traces: set[int] = field(default_factory=set)
    contexts: set[bytes] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class UnusedRows:
    """Keys of `traces` (numbers), `frames` and `contexts` rows that no event uses."""

    traces: list[bytes]
    frames: list[bytes]
    contexts: list[bytes]


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


@dataclass(frozen=True, slots=True)
class TableStats:
    """Figures of one table for the DB stats view."""

    name: str
    estimated_keys: int
    size_bytes: int
    """In table files (SST) on disk."""
    memtable_bytes: int
    """Written but not yet flushed to table files (also in the write-ahead log)."""
    stats_text: str


class Store:
    """Typed access to the tables. Thread-safe: the collector writes while queries read."""

    def __init__(self, db: Rdict, paths: DataPaths, *, writable: bool, secondary_dir: Path | None):
        self._db = db
        self.paths = paths
        self.writable = writable
        self._secondary_dir = secondary_dir
        # A reader following an older owner lacks the tables that owner never made.
        present = set(Rdict.list_cf(str(paths.db)))
        specs = [spec for spec in ALL_TABLES if spec.name in present]
        self._cf = {spec.name: db.get_column_family_handle(spec.name) for spec in specs}
        self._tables = {spec.name: db.get_column_family(spec.name) for spec in specs}
        self._write_lock = threading.Lock()
        self._trace_numbers = TraceNumbers()
        self._seen_frames = RowIndex(FRAME_ID_BYTES // 8)
        self._context_keys: dict[EventContext, int] = {}
        self._known_executables: dict[int, Executable] = {}
        self._tracked: References | None = None
        raw = self._tables[META.name].get(_SEQUENCE_KEY)
        self._sequence = _U64.unpack(raw)[0] if raw else 0
        raw = self._tables[META.name].get(_TRACE_COUNTER_KEY)
        self._trace_counter = _U64.unpack(raw)[0] if raw else 0
        raw = self._tables[META.name].get(_PACK_SIZE_KEY)
        self._pack_size = _U32.unpack(raw)[0] if raw and TRACE_PACKS.name in self._tables else 0
        self._packed: set[int] | None = None
        """First numbers of the packs stored (the writer reads them when it first packs)."""
        self._pack_cursor = 0
        """No range below this one lacks a pack."""
        self._summaries = SummaryState()
        if writable:
            self._summaries.load(key for key, _ in self.rows(SUMMARY_INDEX))

    # -- opening ---------------------------------------------------------

    @classmethod
    def open(
        cls,
        paths: DataPaths,
        *,
        scratch_dir: Path | None = None,
        trace_pack_size: int = trace_packs.PACK_TRACES,
    ) -> Store:
        """Open (or create) the store read-write; fails if another process owns it.

        With `scratch_dir`, RocksDB's info log goes there (and the folder is
        removed on close) instead of beside the data. A store that has no
        trace pack size yet (new, or written before packs) takes
        `trace_pack_size`; later opens keep the stored one.
        """
        paths.db.mkdir(parents=True, exist_ok=True)
        column_families = _column_families(paths.db)
        try:
            db = Rdict(str(paths.db), db_options(scratch_dir), column_families=column_families)
        except Exception as error:
            if _is_lock_error(error):
                raise StoreError(
                    f"the store at {paths.db} is in use by another devfiler process"
                ) from error
            raise StoreError(f"cannot open the store at {paths.db}: {error}") from error
        store = cls(db, paths, writable=True, secondary_dir=scratch_dir)
        store._check_schema(initialize=True)
        if not store._pack_size:
            store._tables[META.name].put(_PACK_SIZE_KEY, _U32.pack(trace_pack_size))
            store._pack_size = trace_pack_size
        return store

    @classmethod
    def open_reader(cls, paths: DataPaths) -> Store:
        """Open for queries: read-write when free, else follow the owner as a secondary.

        A reader keeps RocksDB's info log in a folder of its own: opening the
        store in place renames the owner's LOG aside (and deletes the oldest
        ones) even when the open then fails on the owner's lock.
        """
        if not (paths.db / "CURRENT").exists():
            raise StoreError(f"no devfiler data at {paths.root} (start the collector first)")
        scratch_dir = Path(tempfile.mkdtemp(prefix="devfiler-reader-"))
        try:
            return cls.open(paths, scratch_dir=scratch_dir)
        except StoreError as error:
            if "in use" not in str(error):
                shutil.rmtree(scratch_dir, ignore_errors=True)
                raise
        existing = set(Rdict.list_cf(str(paths.db)))
        column_families = {
            name: options
            for name, options in _column_families(paths.db).items()
            if name in existing
        }
        try:
            db = Rdict(
                str(paths.db),
                db_options(scratch_dir),
                column_families=column_families,
                access_type=AccessType.secondary(str(scratch_dir)),
            )
            db.try_catch_up_with_primary()
        except Exception as error:
            shutil.rmtree(scratch_dir, ignore_errors=True)
            raise StoreError(f"cannot follow the store at {paths.db}: {error}") from error
        store = cls(db, paths, writable=False, secondary_dir=scratch_dir)
        store._check_schema(initialize=False)
        return store

    def _check_schema(self, *, initialize: bool) -> None:
        meta = self._tables[META.name]
        raw = meta.get(_SCHEMA_KEY)
        if raw is None:
            if initialize:
                meta.put(_SCHEMA_KEY, _U64.pack(SCHEMA_VERSION))
            return
        version = _U64.unpack(raw)[0]
        if version < SCHEMA_VERSION:
            self.close()
            raise OutdatedStoreError(self.paths, version)
        if version > SCHEMA_VERSION:
            self.close()
            raise StoreError(
                f"the store at {self.paths.db} was written by a newer devfiler (schema "
                f"{version}) than this one (schema {SCHEMA_VERSION}); run that version, "
                "or use another --data-dir"
            )

    @staticmethod
    def discard(paths: DataPaths) -> None:
        """Delete the event database of a data folder; symbol files stay."""
        shutil.rmtree(paths.db, ignore_errors=True)

    def close(self) -> None:
        """Release the database; the column family views must go first or the lock stays."""
        for table in self._tables.values():
            table.close()
        self._tables.clear()
        self._cf.clear()
        self._db.close()
        if self._secondary_dir is not None:
            shutil.rmtree(self._secondary_dir, ignore_errors=True)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def change_counter(self) -> int:
        """Grows with every write: the UI refreshes when it changes."""
        return int(self._db.latest_sequence_number())

    # -- writing ---------------------------------------------------------

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
                self._tracked.contexts.update(_U64.pack(int(key)) for key in context_keys)
            for key in self._summaries.stale_keys(rows.timestamps for rows in batch.events):
                for spec in SUMMARY_TABLES:
                    wb.delete(key, self._cf[spec.name])
            sequence = self._sequence
            for rows in batch.events:
                sequence = self._put_events(wb, rows, numbers, context_keys, sequence)
            if sequence != self._sequence:
                wb.put(_SEQUENCE_KEY, _U64.pack(sequence), self._cf[META.name])
            counter = self._trace_counter + len(learned.fresh)
            if counter != self._trace_counter:
                wb.put(_TRACE_COUNTER_KEY, _U64.pack(counter), self._cf[META.name])
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
            self._pack_ranges(counter - len(learned.fresh))

    def _pack_ranges(self, before: int) -> None:
        """Write the packs of the ranges of trace numbers this write completed (it numbered
        traces from `before`), and of the lowest older range that lacks one.

        A range completes every few thousand new traces; packing it costs
        about 40 ms, reading its rows back, so a restart mid-range needs
        nothing kept. A store written before packs existed is packed over its
        next requests, one older range each: no thread of its own, and under
        the write lock, where the unused-trace collection cannot change a
        range meanwhile. Until then its queries read single rows.
        """
        size = self._pack_size
        if not size:
            return
        if self._packed is None:
            self._packed = {
                decode_trace_key(cast(bytes, key))
                for key in self._tables[TRACE_PACKS.name].keys()  # noqa: SIM118
            }
        while self._pack_cursor * size in self._packed:
            self._pack_cursor += 1
        completed = range(before // size * size, self._trace_counter // size * size, size)
        older = self._pack_cursor * size
        for first in [older, *completed] if older < completed.start else completed:
            if first in self._packed:
                continue
            stored = self._get_many(TRACES, [trace_key(n) for n in range(first, first + size)])
            pack = trace_packs.encode_pack(records.decode_trace_frames(stored))
            self._tables[TRACE_PACKS.name].put(trace_key(first), pack)
            self._packed.add(first)

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
                numbers[i] = _U32.unpack(raw)[0]
            elif key in number_of_hash:
                numbers[i] = number_of_hash[key]
            else:
                number = number_of_hash[key] = self._trace_counter + len(fresh)
                if number > MAX_TRACE_NUMBER:
                    raise StoreError(f"the store at {self.paths.db} has numbered 2^32 traces")
                numbers[i] = number
                fresh.append(i)
                wb.put(trace_key(number), key + traces.value(i), self._cf[TRACES.name])
                wb.put(key, _U32.pack(number), self._cf[TRACE_NUMBERS.name])
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
                wb.put(_U64.pack(key), encoded, cf)
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

    def flush(self) -> None:
        """Move what the write-ahead log holds into table files (for size figures, shutdown)."""
        self._db.flush()

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

    # -- retention -------------------------------------------------------

    def disk_usage(self) -> int:
        """Bytes of the database folder: table files, write-ahead log, manifest, logs."""
        total = 0
        for entry in self.paths.db.iterdir():
            try:
                total += entry.stat().st_size if entry.is_file() else 0
            except FileNotFoundError:
                continue  # RocksDB removed an obsolete file meanwhile
        return total

    def rows(
        self, spec: TableSpec, start: bytes | None = None, end: bytes | None = None
    ) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) of the rows with start <= key < end, in key order."""
        it = self._tables[spec.name].iter()
        if start is None:
            it.seek_to_first()
        else:
            it.seek(start)
        while it.valid():
            key = cast(bytes, it.key())
            if end is not None and key >= end:
                return
            yield key, cast(bytes, it.value())
            it.next()

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
            return UnusedRows(traces, frames, contexts)

    def _unpack(self, wb: WriteBatch, numbers: npt.NDArray[np.int64]) -> None:
        """Rewrite the packs holding deleted trace numbers without them, in the deleting batch:
        a pack never names a trace the `traces` table lacks."""
        if not self._pack_size or not len(numbers):
            return
        firsts = np.unique(numbers // self._pack_size) * self._pack_size
        keys = [trace_key(first) for first in firsts.tolist()]
        for first, value in zip(firsts.tolist(), self._get_many(TRACE_PACKS, keys), strict=True):
            if value is not None:
                inside = numbers[(numbers >= first) & (numbers < first + self._pack_size)]
                pack = trace_packs.decode_pack(first, self._pack_size, value)
                wb.put(
                    trace_key(first), trace_packs.without(pack, inside), self._cf[TRACE_PACKS.name]
                )

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
            deleted = {_U64.unpack(key)[0] for key in contexts}
            self._context_keys = {
                context: key for context, key in self._context_keys.items() if key not in deleted
            }

    def raw_bytes(self, spec: TableSpec) -> int:
        """Bytes of keys and values in a table's files before compression (from RocksDB's
        table properties; rows still in the write-ahead log are not counted: flush first)."""
        text = self._tables[spec.name].property_value("rocksdb.aggregated-table-properties")
        figures = dict(_TABLE_PROPERTY.findall(str(text or "")))
        return int(figures.get("raw key size", 0)) + int(figures.get("raw value size", 0))

    def compact(self, spec: TableSpec) -> None:
        """Rewrite a table's files without its deleted rows."""
        self._tables[spec.name].compact_range(None, None)

    # -- reading events --------------------------------------------------

    def _blocks_raw(self, start_ns: int, end_ns: int) -> Iterator[tuple[int, SampleKind, bytes]]:
        """(second, kind, raw block) of every block that may hold events in [start, end)."""
        if end_ns <= start_ns:
            return
        first_second = start_ns // NS_PER_SECOND
        last_second = (end_ns - 1) // NS_PER_SECOND
        it = self._tables[EVENTS.name].iter()
        it.seek(encode_second(first_second))
        while it.valid():
            second, kind, _ = decode_event_key(it.key())
            if second > last_second:
                break
            yield second, kind, it.value()
            it.next()

    def _blocks(
        self, start_ns: int, end_ns: int, kinds: Iterable[SampleKind] | None
    ) -> Iterator[tuple[int, Block]]:
        wanted = set(kinds) if kinds is not None else set(SampleKind)
        for second, kind, raw in self._blocks_raw(start_ns, end_ns):
            if kind in wanted:
                yield second, decode_block(raw)

    def read_events(
        self, start_ns: int, end_ns: int, kinds: Iterable[SampleKind] | None = None
    ) -> EventColumns:
        """Every event with start_ns <= timestamp < end_ns of the given kinds (all if None)."""
        return merge_blocks(self._blocks(start_ns, end_ns, kinds), start_ns, end_ns)

    def read_weights(
        self,
        start_ns: int,
        end_ns: int,
        kinds: Iterable[SampleKind] | None = None,
        *,
        chunk_blocks: int = WEIGHT_CHUNK_BLOCKS,
        summaries: bool = True,
    ) -> EventWeights:
        """Like `read_events`, summed per (trace, context, kind) `chunk_blocks` blocks at a
        time: no row per event is kept. Summarized buckets wholly inside the range are read
        from their summaries (storage/summary_plan.py) unless `summaries` is False; the
        result is the same."""
        plan = self._plan(start_ns, end_ns) if summaries else ReadPlan((), ((start_ns, end_ns),))
        raw = merge_weights(self._planned_blocks(plan, kinds), start_ns, end_ns, chunk_blocks)
        if not plan.buckets:
            return raw
        wanted = _kind_codes(kinds)
        try:
            if len(plan.buckets) == 1 and not len(raw) and len(wanted) == len(SampleKind):
                # A summary is stored as the read of its bucket gives it: nothing to sum.
                return decode_rows(next(self._summary_values(SUMMARY_ROWS, plan)))
            return sum_weights(
                [
                    raw,
                    *(
                        _of_kinds(decode_rows(value), wanted)
                        for value in self._summary_values(SUMMARY_ROWS, plan)
                    ),
                ]
            )
        except _SummaryGoneError:
            return self.read_weights(start_ns, end_ns, kinds, summaries=False)

    def read_times(
        self, start_ns: int, end_ns: int, kinds: Iterable[SampleKind] | None = None
    ) -> EventTimes:
        """Like `read_events` without the trace and context tables (cheaper to merge)."""
        return merge_times(self._blocks(start_ns, end_ns, kinds), start_ns, end_ns)

    def read_second_sums(
        self,
        start_ns: int,
        end_ns: int,
        kinds: Iterable[SampleKind] | None = None,
        *,
        summaries: bool = True,
    ) -> SecondSums:
        """The events of the range summed per second and kind (storage/events.py `SecondSums`).

        Summarized buckets give their per-second sums; of the other blocks only
        those of the seconds the range's ends cut are decoded, the others give
        their header's sums, so a timeline of whole-second buckets costs a key scan.
        """
        plan = self._plan(start_ns, end_ns) if summaries else ReadPlan((), ((start_ns, end_ns),))
        wanted = set(kinds) if kinds is not None else set(SampleKind)
        first_whole = -(-start_ns // NS_PER_SECOND)
        end_whole = end_ns // NS_PER_SECOND
        whole: list[tuple[int, BlockSummary]] = []
        cut: list[tuple[int, Block]] = []
        for begin, end in plan.raw:
            for second, kind, raw in self._blocks_raw(begin, end):
                if kind not in wanted:
                    continue
                if first_whole <= second < end_whole:
                    whole.append((second, read_summary(raw)))
                else:
                    cut.append((second, decode_block(raw)))
        codes = _kind_codes(kinds)
        try:
            summed = [
                _of_kinds(rows, codes)
                for rows in map(decode_seconds, self._summary_values(SUMMARY_SECONDS, plan))
            ]
        except _SummaryGoneError:
            return self.read_second_sums(start_ns, end_ns, kinds, summaries=False)
        rows = SecondRows.joined([SecondRows.of_blocks(whole), *summed])
        return sum_blocks(rows, merge_times(cut, start_ns, end_ns))

    def read_cells(
        self,
        start_ns: int,
        end_ns: int,
        kinds: Iterable[SampleKind] | None = None,
        *,
        summaries: bool = True,
    ) -> FlameCells:
        """The events of the range summed per (second, 10 ms row, kind) (storage/cells.py),
        from the summaries of the finest summarized buckets wholly inside the range and
        from the blocks for the rest; a cell may come in several rows (sum them)."""
        plan = (
            self._plan(start_ns, end_ns, (LEVELS[-1],))
            if summaries
            else ReadPlan((), ((start_ns, end_ns),))
        )
        times = merge_times(self._planned_blocks(plan, kinds), start_ns, end_ns)
        codes = _kind_codes(kinds)
        try:
            stored = [
                _of_kinds(cells, codes)
                for cells in map(decode_cells, self._summary_values(SUMMARY_CELLS, plan))
            ]
        except _SummaryGoneError:
            return self.read_cells(start_ns, end_ns, kinds, summaries=False)
        return FlameCells.joined([FlameCells.of_times(times), *stored])

    # -- summaries -------------------------------------------------------

    def summarized(self, start_s: int, end_s: int) -> list[tuple[int, int]]:
        """(start second, length) of the summarized buckets that start in [start_s, end_s);
        none when following an owner of the version before summaries."""
        if SUMMARY_INDEX.name not in self._tables:
            return []
        keys = self.rows(SUMMARY_INDEX, encode_second(start_s), encode_second(end_s))
        return [decode_summary_key(key) for key, _ in keys]

    def _plan(self, start_ns: int, end_ns: int, lengths: tuple[int, ...] = LEVELS) -> ReadPlan:
        """The plan of a read through the summaries of buckets of these lengths."""
        if end_ns <= start_ns:
            return ReadPlan((), ())
        first = start_ns // NS_PER_SECOND - LEVELS[0]
        last = -(-end_ns // NS_PER_SECOND)
        present = [bucket for bucket in self.summarized(first, last) if bucket[1] in lengths]
        return plan_read(present, start_ns, end_ns)

    def _planned_blocks(
        self, plan: ReadPlan, kinds: Iterable[SampleKind] | None
    ) -> Iterator[tuple[int, Block]]:
        for begin, end in plan.raw:
            yield from self._blocks(begin, end, kinds)

    def _summary_values(self, spec: TableSpec, plan: ReadPlan) -> Iterator[bytes]:
        """The stored summaries of the plan's buckets one by one (not all in memory at once).

        A late write may drop one after the plan was made; the caller then
        reads the range from the event blocks (`_SummaryGoneError`).
        """
        if not plan.buckets:
            return
        table = self._tables[spec.name]
        for start, length in plan.buckets:
            value = table.get(summary_key(start, length))
            if value is None:
                raise _SummaryGoneError
            yield cast(bytes, value)

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

    def block_summaries(
        self, start_ns: int = -(1 << 63), end_ns: int = (1 << 63) - 1
    ) -> Iterator[tuple[int, BlockSummary]]:
        """(second, summary) of every block in range, reading headers only."""
        for second, _, raw in self._blocks_raw(start_ns, end_ns):
            yield second, read_summary(raw)

    # -- reading the deduplicated tables ---------------------------------

    def traces_by_index(self, columns: EventColumns) -> list[Trace | None]:
        """The trace of every distinct number in `columns`, in table order (None if missing)."""
        values = self._get_many(TRACES, [trace_key(n) for n in columns.trace_numbers.tolist()])
        return [records.decode_trace(raw) if raw is not None else None for raw in values]

    def trace_frames(self, numbers: npt.NDArray[np.integer]) -> records.TraceFrames:
        """The stored frame records of traces by number, in their order, as one array."""
        keys = [trace_key(n) for n in numbers.tolist()]
        return records.decode_trace_frames(self._get_many(TRACES, keys))

    def coded_traces(self, numbers: npt.NDArray[np.integer]) -> trace_packs.CodedTraces:
        """The stored frames of traces by number, in their order: from the packs of ranges
        that hold enough of them (trace_packs.MIN_SHARE), from single rows for the rest."""
        wanted = numbers.astype(np.int64)
        size = self._pack_size
        order = np.argsort(wanted, kind="stable")
        ranked = wanted[order]
        packs: list[tuple[npt.NDArray[np.intp], trace_packs.TracePack]] = []
        by_pack = np.zeros(len(wanted), dtype=bool)
        if size and len(wanted):
            ranges, counts = np.unique(ranked // size, return_counts=True)
            firsts = (ranges[counts * trace_packs.MIN_SHARE >= size] * size).tolist()
            values = self._get_many(TRACE_PACKS, [trace_key(first) for first in firsts])
            for first, value in zip(firsts, values, strict=True):
                if value is None:
                    continue
                low, high = np.searchsorted(ranked, [first, first + size]).tolist()
                packs.append(
                    (order[low:high], trace_packs.decode_pack(first, self._pack_size, value))
                )
                by_pack[order[low:high]] = True
        single = np.flatnonzero(~by_pack)
        rows = self._get_many(TRACES, [trace_key(n) for n in wanted[single].tolist()])
        stored = (single, records.decode_trace_frames(rows))
        return trace_packs.join_traces(len(wanted), wanted, packs, stored)

    def trace_hashes(self, numbers: npt.NDArray[np.integer]) -> list[bytes | None]:
        """The 16-byte hash of each numbered trace (None if missing): a trace's identity
        across stores, where numbers depend on the order traces arrived in."""
        values = self._get_many(TRACES, [trace_key(n) for n in numbers.tolist()])
        return [raw[: records.TRACE_HASH_BYTES] if raw else None for raw in values]

    def frames(self, ids: Iterable[FrameId]) -> dict[FrameId, Frame]:
        """Agent-provided frame records by ID; frames without one are left out."""
        wanted = list(dict.fromkeys(ids))
        return {
            frame_id: record
            for frame_id, record in zip(wanted, self.frame_records(wanted), strict=True)
            if record is not None
        }

    def frame_records(self, ids: Sequence[FrameId]) -> list[Frame | None]:
        """The agent-provided record of each frame, None where there is none.

        Native frames devfiler symbolizes are stored as keys with an empty
        value (they count as frames), so an empty value reads as "no record".
        """
        values = self._get_many(FRAMES, [f.to_bytes() for f in ids])
        described = [i for i, raw in enumerate(values) if raw]
        found: list[Frame | None] = [None] * len(values)
        decoded = records.decode_frames(
            [ids[i] for i in described], [cast(bytes, values[i]) for i in described]
        )
        for i, record in zip(described, decoded, strict=True):
            found[i] = record
        return found

    def contexts(self, keys: Iterable[int]) -> dict[int, EventContext]:
        wanted = [int(k) for k in keys]
        values = self._get_many(CONTEXTS, [_U64.pack(k) for k in wanted])
        return {
            key: records.decode_context(raw)
            for key, raw in zip(wanted, values, strict=True)
            if raw is not None
        }

    def _get_many(self, spec: TableSpec, keys: list[bytes]) -> list[bytes | None]:
        """One multi-get for many keys; None where a key is missing."""
        if not keys:
            return []
        return cast(
            list[bytes | None],
            self._tables[spec.name].get(cast(list[str | int | float | bytes | bool], keys)),
        )

    def executables(self) -> list[Executable]:
        table = self._tables[EXECUTABLES.name]
        return [records.decode_executable(cast(bytes, key), raw) for key, raw in table.items()]

    def count(self, spec: TableSpec) -> int:
        """Exact number of rows (a key scan)."""
        return sum(1 for _ in self._tables[spec.name].keys())  # noqa: SIM118 (Rdict iterates items)

    def table_stats(self) -> list[TableStats]:
        result = []
        for spec in ALL_TABLES:
            if spec.name not in self._tables:
                continue
            table = self._tables[spec.name]
            keys = table.property_int_value("rocksdb.estimate-num-keys") or 0
            size = table.property_int_value("rocksdb.total-sst-files-size") or 0
            memory = table.property_int_value("rocksdb.cur-size-all-mem-tables") or 0
            text = table.property_value("rocksdb.stats") or ""
            result.append(TableStats(spec.name, int(keys), int(size), int(memory), str(text)))
        return result

    def wal_bytes(self) -> int:
        """Bytes in the write-ahead log files: recent writes not yet in table files."""
        total = 0
        for path in self.paths.db.glob("*.log"):
            with contextlib.suppress(FileNotFoundError):  # a flush may delete one meanwhile
                total += path.stat().st_size
        return total


def _column_families(db: Path) -> dict[str, Options]:
    """Every table's options, and plain options for tables of a newer devfiler of the same
    schema (RocksDB opens a store only with all its column families): adding a table,
    like `trace_packs`, then leaves the store readable by the version before."""
    families = {spec.name: table_options(spec) for spec in ALL_TABLES}
    if (db / "CURRENT").exists():
        for name in Rdict.list_cf(str(db)):
            if name != "default":
                families.setdefault(name, Options(raw_mode=True))
    return families


class _SummaryGoneError(Exception):
    """A summary the read planned to use was deleted meanwhile."""


def _kind_codes(kinds: Iterable[SampleKind] | None) -> npt.NDArray[np.uint8]:
    return np.array(sorted(set(kinds) if kinds is not None else set(SampleKind)), np.uint8)


class _KindRows(Protocol):
    @property
    def kinds(self) -> npt.NDArray[np.uint8]: ...

    def select(self, mask: npt.NDArray[np.bool_]) -> Self: ...


_Rows = TypeVar("_Rows", bound=_KindRows)


def _of_kinds(rows: _Rows, codes: npt.NDArray[np.uint8]) -> _Rows:
    """The rows of the wanted kinds (a summary holds every kind)."""
    if len(codes) == len(SampleKind):
        return rows
    return rows.select(np.isin(rows.kinds, codes))


def _is_lock_error(error: Exception) -> bool:
    text = str(error).lower()
    return "lock" in text and ("resource temporarily unavailable" in text or "lock hold" in text)
