"""The application's own log records, kept in memory for the window's Log tab.

A logging handler on the root logger keeps the newest records in a bounded
ring; the UI thread reads snapshots while any thread logs. Records are
turned into plain values when they arrive, so the ring holds no references
to arguments or tracebacks of the code that logged.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass

DEFAULT_CAPACITY = 2000


@dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int
    """Grows by one per record: tells readers whether anything new arrived."""
    time: float
    level: int
    source: str
    message: str

    @property
    def level_name(self) -> str:
        return logging.getLevelName(self.level)


class LogRing(logging.Handler):
    """Thread-safe ring of the last `capacity` records (oldest dropped first)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        super().__init__(level=logging.NOTSET)
        self._entries: deque[LogEntry] = deque(maxlen=capacity)
        self._ring_lock = threading.Lock()
        self._seq = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                error = record.exc_info[1]
                message += f" ({type(error).__name__}: {error})"
        except Exception:  # a bad format string must not break the caller
            self.handleError(record)
            return
        with self._ring_lock:
            self._seq += 1
            self._entries.append(
                LogEntry(self._seq, record.created, record.levelno, record.name, message)
            )

    def entries(self) -> list[LogEntry]:
        """The kept records, oldest first."""
        with self._ring_lock:
            return list(self._entries)

    @property
    def last_seq(self) -> int:
        with self._ring_lock:
            return self._seq


def install_log_ring(capacity: int = DEFAULT_CAPACITY) -> LogRing:
    """Attach a ring to the root logger; the root's level (DEVFILER_LOG) still filters."""
    ring = LogRing(capacity)
    logging.getLogger().addHandler(ring)
    return ring
