"""The tables' figures: what is still in the log and memtables, and raw against stored bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from devfiler.config import data_paths
from devfiler.identity import make_trace
from devfiler.model import FileId, FrameId, FrameKind
from devfiler.storage.batch import IngestBatch
from devfiler.storage.store import Store
from devfiler.storage.tables import TRACES
from tests.storage.batches import two_trace_batch


def test_stats_count_writes_still_in_the_log_and_memtables(tmp_path: Path) -> None:
    with Store.open(data_paths(tmp_path)) as store:
        empty_wal = store.wal_bytes()
        store.write(two_trace_batch([0, 1, 2, 1_000_000_000]))
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
