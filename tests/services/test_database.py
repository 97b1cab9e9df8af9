"""The DB stats tab's figures, read from a real store."""

from __future__ import annotations

from pathlib import Path

from devfiler.config import data_paths
from devfiler.services.database import database_figures
from devfiler.storage.store import Store
from devfiler.storage.tables import ALL_TABLES
from tests.storage.batches import two_trace_batch


def test_figures_name_every_table_and_grow_with_writes(tmp_path: Path) -> None:
    with Store.open(data_paths(tmp_path)) as store:
        before = database_figures(store)
        assert [table.name for table in before.tables] == [spec.name for spec in ALL_TABLES]
        store.write(two_trace_batch([0, 1, 2, 1_000_000_000]))
        after = database_figures(store)
        assert after.wal_bytes > before.wal_bytes
        assert after.disk_bytes >= after.wal_bytes > 0
        events = next(table for table in after.tables if table.name == "events")
        assert events.memtable_bytes > 0
