"""Profile files opened or dropped in the window, imported off the UI thread.

The import itself is services/profile_files.py; here it runs in the
background, and when a file is stored the window shows the range its events
span; every outcome is a line in the Log tab.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from devfiler.services.database import IngestBatch
from devfiler.services.profile_files import Outcomes, ProfileOpener
from devfiler.ui.tabs import Shared

_log = logging.getLogger(__name__)
MIN_SHOWN_NS = 1_000_000_000
"""Files without times (collapsed stacks) stamp every event alike: show at least a second."""


class ProfileImport:
    def __init__(self, announce: Callable[[IngestBatch], None] | None = None) -> None:
        self._opener = ProfileOpener(announce)
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
            store, opener = shared.store, self._opener
            self._job = lambda: opener.open(store, paths)
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
