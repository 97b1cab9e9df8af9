"""The store round-trips what it is given, by time range, across reopen and processes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rocksdict import Options, Rdict

from devfiler.config import data_paths
from devfiler.identity import make_trace
from devfiler.model import EventContext, Executable, FileId, FrameId, FrameKind, SampleKind
from devfiler.storage.batch import EventRows, IngestBatch
from devfiler.storage.errors import StoreError
from devfiler.storage.store import Store
from devfiler.storage.tables import (
    ALL_TABLES,
    EXECUTABLES,
    SUMMARY_TABLES,
    TRACE_PACKS,
    TRACES,
    db_options,
    table_options,
)


def _batch(timestamps: list[int], kind: SampleKind = SampleKind.ON_CPU) -> IngestBatch:
    a = make_trace((FrameId(FileId(1), 0x10),), (FrameKind.NATIVE,))
    b = make_trace((FrameId(FileId(1), 0x20), FrameId(FileId(2), 7)), (FrameKind.NATIVE,) * 2)
    ts = np.array(timestamps, dtype=np.int64)
    n = len(ts)
    return IngestBatch(
        traces=[a, b],
        executables=[Executable(FileId(1), "app"), Executable(FileId(2), "libc.so.6")],
        contexts=[EventContext("main", 1, 0, 100), EventContext("worker", 2, 1, 100)],
        events=[
            EventRows(
                kind,
                ts,
                (np.arange(n) % 2).astype(np.uint32),
                (np.arange(n) // 2 % 2).astype(np.uint32),
                np.arange(1, n + 1, dtype=np.int64),
            )
        ],
    )


def test_events_round_trip_by_range(tmp_path: Path) -> None:
    stamps = [-3_000_000_001, -1, 0, 999_999_999, 1_000_000_000, 7_123_456_789]
    with Store.open(data_paths(tmp_path)) as store:
        store.write(_batch(stamps))
        everything = store.read_events(-(1 << 63), (1 << 63) - 1)
        assert sorted(everything.timestamps.tolist()) == stamps
        order = np.argsort(everything.timestamps)
        assert everything.weights[order].tolist() == [1, 2, 3, 4, 5, 6]
        part = store.read_events(-1, 1_000_000_000)
        assert sorted(part.timestamps.tolist()) == [-1, 0, 999_999_999]
        traces = store.traces_by_index(everything)
        for row in range(len(everything)):
            trace = traces[everything.trace_index[row]]
            assert trace is not None
            expected_frames = 1 if everything.weights[row] % 2 == 1 else 2
            assert len(trace.frames) == expected_frames


def test_kinds_are_kept_apart(tmp_path: Path) -> None:
    with Store.open(data_paths(tmp_path)) as store:
        store.write(_batch([10, 20], SampleKind.ON_CPU))
        store.write(_batch([30], SampleKind.OFF_CPU))
        off = store.read_events(0, 100, {SampleKind.OFF_CPU})
        assert off.timestamps.tolist() == [30]
        assert off.kinds.tolist() == [SampleKind.OFF_CPU]


def test_deduplicated_tables_survive_reopen(tmp_path: Path) -> None:
    paths = data_paths(tmp_path)
    with Store.open(paths) as store:
        store.write(_batch([1, 2, 3]))
        store.write(_batch([4]))
    with Store.open(paths) as store:
        assert store.count(TRACES) == 2
        assert store.count(EXECUTABLES) == 2
        assert len(store.read_events(0, 10)) == 4
        store.write(_batch([5]))
        assert len(store.read_events(0, 10)) == 5


def test_executable_reports_merge(tmp_path: Path) -> None:
    with Store.open(data_paths(tmp_path)) as store:
        store.write(IngestBatch(executables=[Executable(FileId(9), "app")]))
        store.write(IngestBatch(executables=[Executable(FileId(9), "", gnu_build_id="abcd")]))
        assert store.executables() == [Executable(FileId(9), "app", gnu_build_id="abcd")]


def test_second_process_follows_the_owner(tmp_path: Path) -> None:
    paths = data_paths(tmp_path)
    with Store.open(paths) as owner:
        owner.write(_batch([1]))
        with pytest.raises(StoreError, match="in use"):
            Store.open(paths)
        with Store.open_reader(paths) as reader:
            assert not reader.writable
            assert len(reader.read_events(0, 10)) == 1
        owner.write(_batch([2]))
        with Store.open_reader(paths) as reader:
            assert len(reader.read_events(0, 10)) == 2


def test_reader_on_missing_store_says_so(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no devfiler data"):
        Store.open_reader(data_paths(tmp_path / "nothing"))


def test_stats_count_writes_still_in_the_log_and_memtables(tmp_path: Path) -> None:
    with Store.open(data_paths(tmp_path)) as store:
        empty_wal = store.wal_bytes()
        store.write(_batch([0, 1, 2, 1_000_000_000]))
        events = next(table for table in store.table_stats() if table.name == "events")
        assert events.memtable_bytes > 0 and events.size_bytes == 0
        assert store.wal_bytes() > empty_wal


def test_traces_sharing_files_compress_across_rows(tmp_path: Path) -> None:
    """Frame records repeat file IDs across traces, not within one: the table's dictionary
    catches that, where compressing each block alone (LZ4, 4 KiB) kept 70% of the bytes."""
    rng = np.random.default_rng(11)
    files = [FileId(int(rng.integers(1, 1 << 62)) << 64 | i) for i in range(40)]
    traces = [
        make_trace(
            tuple(
                FrameId(files[int(f)], int(a))
                for f, a in zip(rng.integers(0, 40, 20), rng.integers(0, 1 << 20, 20), strict=True)
            ),
            (FrameKind.NATIVE,) * 20,
        )
        for _ in range(4000)
    ]
    with Store.open(data_paths(tmp_path)) as store:
        store.write(IngestBatch(traces=traces))
    # Reopening moves what the write-ahead log holds into table files.
    with Store.open(data_paths(tmp_path)) as store:
        stored = next(t.size_bytes for t in store.table_stats() if t.name == TRACES.name)
        raw = store.raw_bytes(TRACES)
    assert raw > 4000 * 20 * 25
    assert stored < raw * 0.4


def test_a_table_of_a_newer_version_does_not_keep_the_store_closed(tmp_path: Path) -> None:
    """RocksDB opens a store only with all its column families; one this version does not
    know (a table a newer devfiler added) is opened as it is, for the owner and readers."""
    paths = data_paths(tmp_path)
    with Store.open(paths) as store:
        store.write(_batch([1]))
        store._db.create_column_family("from_a_newer_version", Options(raw_mode=True))
    with Store.open(paths) as owner:
        assert len(owner.read_events(0, 10)) == 1
        with Store.open_reader(paths) as reader:
            assert len(reader.read_events(0, 10)) == 1


def test_a_reader_follows_an_owner_of_the_version_before_packs_and_summaries(
    tmp_path: Path,
) -> None:
    """An owner that never made `trace_packs` nor the summary tables (versions before) still
    has readers: they read single trace rows and every event from its blocks."""
    paths = data_paths(tmp_path)
    with Store.open(paths) as store:
        store.write(_batch([1, 2]))
    newer = (TRACE_PACKS, *SUMMARY_TABLES)
    every = {spec.name: table_options(spec) for spec in ALL_TABLES}
    layout = Rdict(str(paths.db), db_options(), column_families=every)
    for spec in newer:
        layout.drop_column_family(spec.name)
    layout.close()
    older = {spec.name: table_options(spec) for spec in ALL_TABLES if spec not in newer}
    owner = Rdict(str(paths.db), db_options(), column_families=older)
    try:
        with Store.open_reader(paths) as reader:
            assert not reader.writable
            assert len(reader.read_events(0, 10)) == 2
            assert reader.read_weights(0, 10).counts.sum() == 2
            assert reader.read_second_sums(0, 10).counts.sum() == 2
            coded = reader.coded_traces(np.array([0, 1]))
            assert coded.lengths.tolist() == [1, 2]
            stats = [t.name for t in reader.table_stats()]
            assert not {spec.name for spec in newer} & set(stats)
    finally:
        owner.close()
