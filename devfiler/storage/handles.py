"""The open RocksDB that every part of the store shares: the column families, the write
lock, and the plain reads (a key range, a multi-get) the parts build on.

`Store` (storage/store.py) is one class made of mixins, one module each:
writing, deleting, event reads, summaries, trace packs, the deduplicated
tables and the DB figures. Each mixin subclasses `Handles`, so all of them
use the same handles and lock directly and mypy checks every attribute where
it is used; helper objects would instead need a forwarding method on `Store`
for each of its public methods. A mixin that calls another's methods
subclasses it (`EventReads` reads through `SummaryBook`), so what depends on
what shows in the class line. A mixin with state of its own sets it up in a
`_start_*` method that `Store.__init__` calls.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Self, cast

from rocksdict import Rdict

from devfiler.config import DataPaths
from devfiler.storage.tables import ALL_TABLES, TableSpec


class Handles:
    """The database, a view of each of its tables and the lock writers hold."""

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

    def close(self) -> None:
        """Release the database; the column family views must go first or the lock stays."""
        for table in self._tables.values():
            table.close()
        self._tables.clear()
        self._cf.clear()
        self._db.close()
        if self._secondary_dir is not None:
            shutil.rmtree(self._secondary_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def change_counter(self) -> int:
        """Grows with every write: the UI refreshes when it changes."""
        return int(self._db.latest_sequence_number())

    def flush(self) -> None:
        """Move what the write-ahead log holds into table files (for size figures, shutdown)."""
        self._db.flush()

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

    def _get_many(self, spec: TableSpec, keys: list[bytes]) -> list[bytes | None]:
        """One multi-get for many keys; None where a key is missing."""
        if not keys:
            return []
        return cast(
            list[bytes | None],
            self._tables[spec.name].get(cast(list[str | int | float | bytes | bool], keys)),
        )
