"""Figures of the store's tables and files, for the DB stats tab and retention's disk bound.

They come from RocksDB's properties and the database folder, not from
reading rows, except `count`, an exact key scan.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from devfiler.storage.handles import Handles
from devfiler.storage.tables import ALL_TABLES, TableSpec

_TABLE_PROPERTY = re.compile(r"([a-z][a-z ]*)=(\d+);")


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


class TableFigures(Handles):
    """Sizes and row counts of the tables, the write-ahead log and the database folder."""

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

    def disk_usage(self) -> int:
        """Bytes of the database folder: table files, write-ahead log, manifest, logs."""
        total = 0
        for entry in self.paths.db.iterdir():
            try:
                total += entry.stat().st_size if entry.is_file() else 0
            except FileNotFoundError:
                continue  # RocksDB removed an obsolete file meanwhile
        return total

    def raw_bytes(self, spec: TableSpec) -> int:
        """Bytes of keys and values in a table's files before compression (from RocksDB's
        table properties; rows still in the write-ahead log are not counted: flush first)."""
        text = self._tables[spec.name].property_value("rocksdb.aggregated-table-properties")
        figures = dict(_TABLE_PROPERTY.findall(str(text or "")))
        return int(figures.get("raw key size", 0)) + int(figures.get("raw value size", 0))
