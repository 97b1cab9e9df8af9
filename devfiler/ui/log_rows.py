"""Log records -> the Log tab's rows: newest first, at or above a level (pure)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from devfiler.log_ring import LogEntry
from devfiler.ui.theme import RGB, TEXT

LEVEL_CHOICES: dict[str, int] = {
    "Debug": logging.DEBUG,
    "Info": logging.INFO,
    "Warning": logging.WARNING,
    "Error": logging.ERROR,
}
"""The level filter's choices: each shows records at that level and above."""

LEVEL_COLOURS: dict[int, RGB] = {
    logging.DEBUG: (140, 140, 140),
    logging.WARNING: (235, 200, 90),
    logging.ERROR: (240, 100, 90),
    logging.CRITICAL: (255, 80, 80),
}


@dataclass(frozen=True, slots=True)
class LogRow:
    time: str
    level: str
    source: str
    message: str
    colour: RGB

    def cells(self) -> tuple[str, str, str, str]:
        return (self.time, self.level, self.source, self.message)


def log_rows(entries: Sequence[LogEntry], min_level: int) -> list[LogRow]:
    """Entries (oldest first, as the ring keeps them) as rows, newest first."""
    rows = []
    for entry in reversed(entries):
        if entry.level < min_level:
            continue
        stamp = time.strftime("%H:%M:%S", time.localtime(entry.time))
        millis = int(entry.time * 1000) % 1000
        rows.append(
            LogRow(
                f"{stamp}.{millis:03d}",
                entry.level_name,
                entry.source,
                entry.message,
                LEVEL_COLOURS.get(entry.level, TEXT),
            )
        )
    return rows
