from __future__ import annotations

import logging

from devfiler.log_ring import LogEntry
from devfiler.ui.log_rows import LEVEL_CHOICES, LEVEL_COLOURS, log_rows


def test_rows_are_newest_first_and_filtered_by_level() -> None:
    entries = [
        LogEntry(1, 1_700_000_000.25, logging.DEBUG, "a", "debug detail"),
        LogEntry(2, 1_700_000_001.5, logging.INFO, "b", "started"),
        LogEntry(3, 1_700_000_002.0, logging.ERROR, "c", "failed"),
    ]
    rows = log_rows(entries, LEVEL_CHOICES["Info"])
    assert [r.message for r in rows] == ["failed", "started"]
    assert rows[0].level == "ERROR" and rows[0].colour == LEVEL_COLOURS[logging.ERROR]
    assert rows[1].time.endswith(".500")
    assert rows[1].cells() == (rows[1].time, "INFO", "b", "started")
    assert len(log_rows(entries, LEVEL_CHOICES["Debug"])) == 3
    assert [r.message for r in log_rows(entries, LEVEL_CHOICES["Error"])] == ["failed"]
