"""Profile files opened or dropped in the window, imported into its store.

The window owns the store, so files go straight through the importer
(export/importing.py: the collector's decoder, then one store write each).
One frame cache serves every file the window opens, so frames a file shares
with one opened before are not written again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from devfiler.collector.frame_cache import FrameCache
from devfiler.export.importing import ImportedFile, ProfileImportError, import_file, profile_files
from devfiler.storage.batch import IngestBatch
from devfiler.storage.store import Store

Outcomes = list[ImportedFile | str]
"""Per file: what was stored, or why it was refused."""


class ProfileOpener:
    """Imports files one by one; `announce` hears every stored batch, as the
    collector's listeners do, so the symbol worker sees new executables."""

    def __init__(self, announce: Callable[[IngestBatch], None] | None = None) -> None:
        self._announce = announce
        self._cache = FrameCache()

    def open(self, store: Store, paths: list[Path]) -> Outcomes:
        """Every profile file of `paths` (folders are searched): stored, or refused
        with the reason; one bad file never stops the others."""
        outcomes: Outcomes = []
        for path in profile_files(paths):
            try:
                outcomes.append(
                    import_file(store, path, frame_cache=self._cache, on_stored=self._announce)
                )
            except ProfileImportError as error:
                outcomes.append(str(error))
        return outcomes
