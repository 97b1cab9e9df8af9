"""Opening the RocksDB: its column families, the owner's lock, secondary readers and the
schema check.

One process owns the database read-write; other processes (the command line
while the collector runs) open it as a RocksDB secondary instance that
catches up with the owner's write-ahead log when it opens. RocksDB opens a
store only with all its column families, so tables this version does not
declare are opened with plain options, and a reader following an older owner
opens only the tables that owner made. `Store.open` and `Store.open_reader`
(storage/store.py) build the store on what these functions open.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from rocksdict import AccessType, Options, Rdict

from devfiler.config import SCHEMA_VERSION, DataPaths
from devfiler.storage.errors import OutdatedStoreError, StoreError
from devfiler.storage.keys import U64
from devfiler.storage.tables import ALL_TABLES, db_options, table_options

_SCHEMA_KEY = b"schema"


def open_owner(paths: DataPaths, scratch_dir: Path | None) -> Rdict:
    """The database opened read-write (created if need be); fails if another process owns it."""
    paths.db.mkdir(parents=True, exist_ok=True)
    column_families = _column_families(paths.db)
    try:
        return Rdict(str(paths.db), db_options(scratch_dir), column_families=column_families)
    except Exception as error:
        if _is_lock_error(error):
            raise StoreError(
                f"the store at {paths.db} is in use by another devfiler process"
            ) from error
        raise StoreError(f"cannot open the store at {paths.db}: {error}") from error


def open_follower(paths: DataPaths, scratch_dir: Path) -> Rdict:
    """The database opened as a secondary of its owner, caught up with the owner's log.

    The folder `scratch_dir` holds the secondary's files; it is removed if the open fails.
    """
    existing = set(Rdict.list_cf(str(paths.db)))
    column_families = {
        name: options for name, options in _column_families(paths.db).items() if name in existing
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
    return db


def check_schema(meta: Rdict, paths: DataPaths, *, initialize: bool) -> None:
    """Refuse a store of another schema version; a new store takes this one if `initialize`."""
    raw = meta.get(_SCHEMA_KEY)
    if raw is None:
        if initialize:
            meta.put(_SCHEMA_KEY, U64.pack(SCHEMA_VERSION))
        return
    version = U64.unpack(raw)[0]
    if version < SCHEMA_VERSION:
        raise OutdatedStoreError(paths, version)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the store at {paths.db} was written by a newer devfiler (schema "
            f"{version}) than this one (schema {SCHEMA_VERSION}); run that version, "
            "or use another --data-dir"
        )


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


def _is_lock_error(error: Exception) -> bool:
    text = str(error).lower()
    return "lock" in text and ("resource temporarily unavailable" in text or "lock hold" in text)
