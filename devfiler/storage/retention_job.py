"""The background thread that applies retention (storage/retention.py) to the store.

It checks every minute, which costs a directory listing and one key lookup;
a pass runs only when data lies beyond a bound. Readers keep working during
a pass and writes wait only while unused rows are deleted. The DB stats tab
shows `status()`; each pass that deleted something writes one log line.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from devfiler.sizes import format_size
from devfiler.storage.periodic_job import PeriodicJob
from devfiler.storage.retention import RetentionPolicy, RetentionRun, apply_retention
from devfiler.storage.store import Store

CHECK_INTERVAL_S = 60.0

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetentionStatus:
    """What the DB stats tab shows: the bounds, the last pass and totals since start."""

    policy: RetentionPolicy
    checks: int
    """Checks done: the first happens as the job starts."""
    last: RetentionRun | None
    passes: int
    events_deleted: int
    error: str | None

    def lines(self, disk_usage: int) -> list[str]:
        """The status in words, for a store that takes `disk_usage` bytes now."""
        lines = [f"Retention: {self.policy.describe()}; the store takes {format_size(disk_usage)}."]
        if self.last is not None:
            finished = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.last.finished_ns / 1e9))
            lines.append(f"Last pass at {finished} UTC {self.last.describe()}.")
            deleted = f"{self.events_deleted:,} events"
            lines.append(f"Passes since start: {self.passes:,}, deleting {deleted} in all.")
        elif self.checks:
            lines.append("No pass since start: no data lay beyond the bounds.")
        else:
            lines.append("The first check is due.")
        if self.error is not None:
            lines.append(f"Retention failed: {self.error}")
        return lines


class RetentionJob(PeriodicJob):
    """Applies a retention policy to a store every `interval_s` seconds, on its own thread.

    The caller owns the store: start the job after opening it, stop it before
    closing. The job exists before the store opens, so the window's tabs can
    be given it first.
    """

    def __init__(
        self,
        policy: RetentionPolicy,
        *,
        interval_s: float = CHECK_INTERVAL_S,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        super().__init__("retention", interval_s)
        self._policy = policy
        self._clock = clock
        self._lock = threading.Lock()
        self._status = RetentionStatus(policy, 0, None, 0, 0, None)

    def start(self, store: Store) -> None:
        _log.info("retention: %s", self._policy.describe())
        super().start(store)

    def status(self) -> RetentionStatus:
        with self._lock:
            return self._status

    def run_once(self, store: Store) -> RetentionRun | None:
        """One check, and a pass if due; what it deleted. Errors are logged, not raised."""
        try:
            run = apply_retention(store, self._policy, self._clock())
        except Exception as error:
            _log.exception("retention failed")
            self._update(None, f"{error!r} (see the Log tab)")
            return None
        if run is not None:
            _log.info("retention: %s", run.describe())
            bound = self._policy.max_disk_bytes
            if bound is not None and run.disk_after > bound:
                _log.warning(
                    "retention: the store still takes %s, more than --max-disk %s, with no "
                    "older event data left to delete",
                    format_size(run.disk_after),
                    format_size(bound),
                )
        self._update(run, None)
        return run

    def _update(self, run: RetentionRun | None, error: str | None) -> None:
        with self._lock:
            old = self._status
            self._status = RetentionStatus(
                policy=old.policy,
                checks=old.checks + 1,
                last=run or old.last,
                passes=old.passes + (run is not None),
                events_deleted=old.events_deleted + (run.events if run else 0),
                error=error,
            )
