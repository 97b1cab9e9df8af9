"""The errors the store raises: each message says why and what to do."""

from __future__ import annotations

from devfiler.config import SCHEMA_VERSION, DataPaths


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
