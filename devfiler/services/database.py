"""The store as the window sees it: the handle its views read, what a write
announces, and the figures of the DB stats tab with the retention and summary
jobs' status.

The window holds one Store (it owns the database) and hands it to analysis;
the types are named here so that ui/ needs no import of storage/.
"""

from __future__ import annotations

from dataclasses import dataclass

from devfiler.storage.batch import IngestBatch
from devfiler.storage.retention_job import RetentionJob, RetentionStatus
from devfiler.storage.store import Store
from devfiler.storage.summary_job import SummaryJob, SummaryStatus
from devfiler.storage.table_figures import TableStats

__all__ = [
    "DatabaseFigures",
    "IngestBatch",
    "RetentionJob",
    "RetentionStatus",
    "Store",
    "SummaryJob",
    "SummaryStatus",
    "TableStats",
    "database_figures",
]


@dataclass(frozen=True, slots=True)
class DatabaseFigures:
    """RocksDB's own figures per table, the write-ahead log and the data folder."""

    tables: tuple[TableStats, ...]
    wal_bytes: int
    disk_bytes: int


def database_figures(store: Store) -> DatabaseFigures:
    """Read off the UI thread: RocksDB computes some of these by walking its files."""
    return DatabaseFigures(tuple(store.table_stats()), store.wal_bytes(), store.disk_usage())
