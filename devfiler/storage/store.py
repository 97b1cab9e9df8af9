"""The store: one RocksDB, one column family per table (storage/tables.py).

`Store` composes the parts of the store, one module each (storage/handles.py
says why as mixins): writing a request (storage/writing.py), deleting
(storage/deleting.py), reading events through the summaries
(storage/event_reads.py), the summaries' bookkeeping (storage/summary_book.py),
the trace packs (storage/trace_pack_table.py), the deduplicated tables
(storage/deduplicated_reads.py) and the tables' figures
(storage/table_figures.py). Opening is storage/opening.py: one process owns
the database read-write, others follow it as RocksDB secondaries.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from rocksdict import Rdict

from devfiler.config import DataPaths
from devfiler.storage import trace_packs
from devfiler.storage.deduplicated_reads import DeduplicatedReads
from devfiler.storage.deleting import Deleting
from devfiler.storage.errors import StoreError
from devfiler.storage.event_reads import EventReads
from devfiler.storage.opening import check_schema, open_follower, open_owner
from devfiler.storage.table_figures import TableFigures
from devfiler.storage.tables import META


class Store(Deleting, EventReads, DeduplicatedReads, TableFigures):
    """Typed access to the tables. Thread-safe: the collector writes while queries read."""

    def __init__(self, db: Rdict, paths: DataPaths, *, writable: bool, secondary_dir: Path | None):
        super().__init__(db, paths, writable=writable, secondary_dir=secondary_dir)
        self._start_writer()
        self._start_packs()
        self._start_summaries()
        self._start_contexts()

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
        store = cls._checked(open_owner(paths, scratch_dir), paths, scratch_dir, writable=True)
        store._keep_pack_size(trace_pack_size)
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
        db = open_follower(paths, scratch_dir)
        return cls._checked(db, paths, scratch_dir, writable=False)

    @classmethod
    def _checked(
        cls, db: Rdict, paths: DataPaths, scratch_dir: Path | None, *, writable: bool
    ) -> Store:
        """The store on an opened database, closed again if its schema is not this one's; the
        owner gives a new store this schema."""
        store = cls(db, paths, writable=writable, secondary_dir=scratch_dir)
        try:
            check_schema(store._tables[META.name], paths, initialize=writable)
        except StoreError:
            store.close()
            raise
        return store

    @staticmethod
    def discard(paths: DataPaths) -> None:
        """Delete the event database of a data folder; symbol files stay."""
        shutil.rmtree(paths.db, ignore_errors=True)
