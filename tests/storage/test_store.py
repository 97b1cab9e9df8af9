"""The store round-trips what it is given, by time range and across reopening."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from devfiler.config import data_paths
from devfiler.model import Executable, FileId, SampleKind
from devfiler.storage.batch import IngestBatch
from devfiler.storage.store import Store
from devfiler.storage.tables import EXECUTABLES, TRACES
from tests.storage.batches import two_trace_batch


def test_events_round_trip_by_range(tmp_path: Path) -> None:
    stamps = [-3_000_000_001, -1, 0, 999_999_999, 1_000_000_000, 7_123_456_789]
    with Store.open(data_paths(tmp_path)) as store:
        store.write(two_trace_batch(stamps))
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
        store.write(two_trace_batch([10, 20], SampleKind.ON_CPU))
        store.write(two_trace_batch([30], SampleKind.OFF_CPU))
        off = store.read_events(0, 100, {SampleKind.OFF_CPU})
        assert off.timestamps.tolist() == [30]
        assert off.kinds.tolist() == [SampleKind.OFF_CPU]


def test_deduplicated_tables_survive_reopen(tmp_path: Path) -> None:
    paths = data_paths(tmp_path)
    with Store.open(paths) as store:
        store.write(two_trace_batch([1, 2, 3]))
        store.write(two_trace_batch([4]))
    with Store.open(paths) as store:
        assert store.count(TRACES) == 2
        assert store.count(EXECUTABLES) == 2
        assert len(store.read_events(0, 10)) == 4
        store.write(two_trace_batch([5]))
        assert len(store.read_events(0, 10)) == 5


def test_executable_reports_merge(tmp_path: Path) -> None:
    with Store.open(data_paths(tmp_path)) as store:
        store.write(IngestBatch(executables=[Executable(FileId(9), "app")]))
        store.write(IngestBatch(executables=[Executable(FileId(9), "", gnu_build_id="abcd")]))
        assert store.executables() == [Executable(FileId(9), "app", gnu_build_id="abcd")]
