"""Executables -> the Executables tab's bar, lines and table rows (pure, no window).

The tab shows what `executable_rows` merges (agent reports and the symbol
folder); this module words statuses the way the table shows them, filters,
sorts by any column and counts states for the bar across the top.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from devfiler.services.symbols import ExecutableRow, IngestProgress, SymbolState, SymbolStatus
from devfiler.ui.formatting import short_count
from devfiler.ui.theme import RGB, TEXT

COLUMNS = ("File ID", "Build ID", "Status", "File name")
BAR_STATES: tuple[tuple[SymbolState, str, RGB], ...] = (
    (SymbolState.SYMBOLIZED, "symbolized", (80, 170, 90)),
    (SymbolState.NO_SYMBOLS, "no symbols", (110, 110, 110)),
    (SymbolState.NOT_ATTEMPTED, "not attempted", (70, 70, 70)),
    (SymbolState.PENDING, "pending", (70, 130, 200)),
    (SymbolState.TEMPORARY_ERROR, "temporary error", (220, 170, 60)),
    (SymbolState.ERROR, "error", (220, 80, 70)),
)
"""Order and colour of the bar's segments (and of the status column's text)."""
_STATE_COLOURS = {state: colour for state, _, colour in BAR_STATES}
_STATE_RANK = {state: rank for rank, (state, _, _) in enumerate(BAR_STATES)}
IDLE_LINE = "Drop executables anywhere within this window to ingest symbols!"
IDLE_LINE_NO_DROP = 'Use "Add executables..." to ingest symbols.'


@dataclass(frozen=True, slots=True)
class TableRow:
    file_id: str
    build_id: str
    status: str
    file_name: str
    state: SymbolState
    symbols: int

    def cells(self) -> tuple[str, str, str, str]:
        return (self.file_id, self.build_id, self.status, self.file_name)

    @property
    def colour(self) -> RGB:
        return TEXT if self.state is SymbolState.SYMBOLIZED else _STATE_COLOURS[self.state]


def status_text(status: SymbolStatus) -> str:
    """As the table's status column reads: "12.3K symbols", "not attempted yet", ..."""
    state = status.state
    if state is SymbolState.SYMBOLIZED:
        return f"{short_count(status.symbols)} symbols"
    if state is SymbolState.NOT_ATTEMPTED:
        return "not attempted yet"
    if state in (SymbolState.ERROR, SymbolState.TEMPORARY_ERROR) and status.message:
        return f"{state.value}: {status.message}"
    return str(state.value)


def table_row(row: ExecutableRow) -> TableRow:
    return TableRow(
        file_id=row.file_id.hex(),
        build_id=row.gnu_build_id or row.go_build_id,
        status=status_text(row.status),
        file_name=row.file_name,
        state=row.status.state,
        symbols=row.status.symbols,
    )


def filtered(rows: Sequence[TableRow], needle: str) -> list[TableRow]:
    """Rows with `needle` (any case) in any column."""
    text = needle.strip().lower()
    if not text:
        return list(rows)
    return [row for row in rows if any(text in cell.lower() for cell in row.cells())]


def sorted_rows(rows: Sequence[TableRow], column: int, descending: bool) -> list[TableRow]:
    """By one column; status sorts by state, then by symbol count."""
    if column == 2:
        return sorted(
            rows, key=lambda r: (_STATE_RANK[r.state], r.symbols, r.file_name), reverse=descending
        )
    return sorted(rows, key=lambda r: (r.cells()[column].lower(), r.file_id), reverse=descending)


def state_counts(rows: Sequence[TableRow]) -> list[tuple[str, int, RGB]]:
    """The bar's segments: (label, count, colour) for each state, zeros included."""
    counts = Counter(row.state for row in rows)
    return [(label, counts[state], colour) for state, label, colour in BAR_STATES]


def counts_tooltip(rows: Sequence[TableRow]) -> str:
    return "\n".join(f"{label}: {count:,}" for label, count, _ in state_counts(rows))


def progress_line(progress: IngestProgress, *, drop_available: bool) -> str:
    """The ingest status under the bar: an invitation when idle, counters while busy."""
    if progress.files_done >= progress.files_queued:
        return IDLE_LINE if drop_available else IDLE_LINE_NO_DROP
    current = progress.current_file.rsplit("/", 1)[-1] or "..."
    return (
        f"Processing executable {current} ({progress.files_done + 1}/{progress.files_queued}): "
        f"{progress.ranges_extracted:,} symbols extracted, "
        f"{progress.ranges_stored:,} ingested ..."
    )


def progress_fraction(progress: IngestProgress) -> float:
    if progress.files_queued == 0:
        return 0.0
    return min(progress.files_done / progress.files_queued, 1.0)
