from __future__ import annotations

from pathlib import Path

from devfiler.model import FileId
from devfiler.symbolize.store.executables import ExecutableRow
from devfiler.symbolize.store.ingest import IngestProgress
from devfiler.symbolize.store.symbol_store import SymbolState, SymbolStatus
from devfiler.ui.executables_rows import (
    IDLE_LINE,
    IDLE_LINE_NO_DROP,
    counts_tooltip,
    filtered,
    progress_fraction,
    progress_line,
    sorted_rows,
    state_counts,
    status_text,
    table_row,
)


def row(n: int, name: str, status: SymbolStatus, build: str = "") -> ExecutableRow:
    return ExecutableRow(FileId.from_hex(f"{n:032x}"), name, build, "", status, True)


ROWS = [
    table_row(row(3, "libc.so.6", SymbolStatus(SymbolState.SYMBOLIZED, symbols=12_345), "ab12")),
    table_row(row(1, "nginx", SymbolStatus(SymbolState.NOT_ATTEMPTED))),
    table_row(row(2, "java", SymbolStatus(SymbolState.ERROR, "not an ELF file"))),
    table_row(row(4, "busybox", SymbolStatus(SymbolState.SYMBOLIZED, symbols=20))),
]


def test_statuses_read_like_the_table_shows_them() -> None:
    assert status_text(SymbolStatus(SymbolState.SYMBOLIZED, symbols=12_345)) == "12.3K symbols"
    assert status_text(SymbolStatus(SymbolState.NOT_ATTEMPTED)) == "not attempted yet"
    assert status_text(SymbolStatus(SymbolState.NO_SYMBOLS)) == "no symbols"
    assert status_text(SymbolStatus(SymbolState.TEMPORARY_ERROR, "EIO")) == "temporary error: EIO"
    assert ROWS[0].build_id == "ab12" and ROWS[0].file_id == f"{3:032x}"


def test_filter_and_sort_by_each_column() -> None:
    assert [r.file_name for r in filtered(ROWS, "ELF")] == ["java"]
    assert [r.file_name for r in filtered(ROWS, "  ")] == [r.file_name for r in ROWS]
    by_id = sorted_rows(ROWS, 0, descending=False)
    assert [r.file_name for r in by_id] == ["nginx", "java", "libc.so.6", "busybox"]
    by_name = sorted_rows(ROWS, 3, descending=True)
    assert [r.file_name for r in by_name] == ["nginx", "libc.so.6", "java", "busybox"]
    by_status = sorted_rows(ROWS, 2, descending=True)
    assert [r.file_name for r in by_status] == ["java", "nginx", "libc.so.6", "busybox"]
    assert by_status[0].colour != by_status[2].colour


def test_bar_counts_every_state() -> None:
    counts = {label: count for label, count, _ in state_counts(ROWS)}
    assert counts["symbolized"] == 2 and counts["error"] == 1 and counts["pending"] == 0
    assert "not attempted: 1" in counts_tooltip(ROWS)


def test_progress_line_invites_when_idle_and_counts_while_busy() -> None:
    idle = IngestProgress(2, 2, 10, 10, "", None)
    assert progress_line(idle, drop_available=True) == IDLE_LINE
    assert progress_line(idle, drop_available=False) == IDLE_LINE_NO_DROP
    busy = IngestProgress(3, 1, 1500, 1200, str(Path("/usr/bin/hello")), None)
    line = progress_line(busy, drop_available=True)
    assert line.startswith("Processing executable hello (2/3): 1,500 symbols extracted")
    assert "1,200 ingested" in line
    assert progress_fraction(busy) == 1 / 3
