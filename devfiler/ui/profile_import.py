"""Profile files opened or dropped in the window, imported off the UI thread.

The window owns the store, so files go straight through the importer
(export/importing.py: the collector's decoder, then one store write each)
and the stored batches are announced like the collector's, so the symbol
worker looks at new executables. When a file is stored the window shows
the range its events span; every outcome is a line in the Log tab.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from devfiler.collector.frame_cache import FrameCache
from devfiler.export.importing import (
    ImportedFile,
    ProfileImportError,
    import_file,
    profile_files,
)
from devfiler.storage.batch import IngestBatch
from devfiler.symbolize.formats.elf_image import is_elf
from devfiler.ui.tabs import Shared

_log = logging.getLogger(__name__)
MIN_SHOWN_NS = 1_000_000_000
"""Files without times (collapsed stacks) stamp every event alike: show at least a second."""

Outcomes = list[ImportedFile | str]
"""Per file: what was stored, or why it was refused."""


def is_symbol_source(path: Path) -> bool:
    """Dropped folders and ELF files go to symbols; anything else is taken for a profile."""
    return path.is_dir() or is_elf(path)


class ProfileImport:
    def __init__(self, announce: Callable[[IngestBatch], None] | None = None) -> None:
        self._announce = announce
        self._cache = FrameCache()
        self._queued: list[Path] = []
        self._submits = 0
        self._shown = 0
        self._job: Callable[[], Outcomes] | None = None
        self.last: Outcomes = []

    def add(self, paths: list[Path]) -> None:
        self._queued.extend(paths)

    def busy(self) -> bool:
        return bool(self._queued) or self._shown != self._submits

    def update(self, shared: Shared) -> None:
        """Submit queued files; when a batch of files is done, log it and show its range."""
        if self._queued:
            paths, self._queued = self._queued, []
            self._submits += 1
            store, cache, announce = shared.store, self._cache, self._announce

            def run() -> Outcomes:
                outcomes: Outcomes = []
                for path in profile_files(paths):
                    try:
                        outcomes.append(
                            import_file(store, path, frame_cache=cache, on_stored=announce)
                        )
                    except ProfileImportError as error:
                        outcomes.append(str(error))
                return outcomes

            self._job = run
        if self._job is None:
            return
        outcome = shared.work.request("profile-import", self._submits, self._job)
        if outcome is None or outcome.key != self._submits or self._shown == self._submits:
            return
        self._shown = self._submits
        self.last = outcome.value if outcome.value is not None else [str(outcome.error)]
        spans = []
        for item in self.last:
            if isinstance(item, str):
                _log.warning("refused %s", item)
            else:
                _log.info("opened %s", item.summary())
                if item.span is not None:
                    spans.append(item.span)
        if spans:
            start, end = min(s[0] for s in spans), max(s[1] for s in spans)
            shared.request_range = (start, max(end, start + MIN_SHOWN_NS))
            shared.change = shared.store.change_counter()

    def summary(self) -> str:
        """One line on the last files opened, for the top bar."""
        if not self.last:
            return ""
        stored = [i for i in self.last if not isinstance(i, str)]
        refused = len(self.last) - len(stored)
        events = sum(i.events for i in stored)
        text = f"Opened {len(stored)} file{'s' * (len(stored) != 1)} ({events:,} events)"
        return text + (f", refused {refused} (see Log)" if refused else "")
