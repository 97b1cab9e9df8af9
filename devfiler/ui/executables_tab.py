"""The Executables tab: symbol status of every executable, and adding symbols.

Files come from the "Add executables..." dialog (multi-select) or from a drop
onto the window (the shell hands dropped paths over in `Shared.dropped`).
Both queue the files on the background ingest worker; the tab shows its
progress, and the rows pick up new statuses as the worker writes them.
Rows are read in the worker pool, keyed by the store's change counter, the
worker's progress and a slow clock (the automatic symbol worker writes
statuses too); filtering and sorting happen here, on the visible rows only.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import dearpygui.dearpygui as dpg

from devfiler.services.symbols import (
    BackgroundIngest,
    IngestProgress,
    SymbolState,
    SymbolStore,
    executable_rows,
)
from devfiler.ui.drawn import drawn_at
from devfiler.ui.executables_rows import (
    COLUMNS,
    TableRow,
    counts_tooltip,
    filtered,
    progress_fraction,
    progress_line,
    sorted_rows,
    state_counts,
    table_row,
)
from devfiler.ui.file_dialog import FileDialog, Purpose
from devfiler.ui.tabs import Shared
from devfiler.ui.text_table import Column, TextTable

REFRESH_SECONDS = 2.0
BAR_HEIGHT = 12
FILTER_WIDTH = 260
DIALOG_HINT = "Ctrl/Shift+click\nselects several.\n\nA folder adds\nevery ELF file\nbelow it."
_ERROR_STATES = (SymbolState.ERROR, SymbolState.TEMPORARY_ERROR)
_log = logging.getLogger(__name__)


class ExecutablesTab:
    id = "executables"
    title = "Executables"

    def __init__(self, symbols: SymbolStore, ingest: BackgroundIngest) -> None:
        self._symbols = symbols
        self._ingest = ingest
        self.rows: list[TableRow] = []
        self.shown: list[TableRow] = []
        self.sort_column = 3
        self.descending = False
        self.filter_text = ""
        self._key: object = None
        self._view: object = None
        self._queued: list[Path] = []
        self._submits = 0
        self._dialog = FileDialog("Add executables", Purpose.OPEN, self.add, hint=DIALOG_HINT)
        self._drop_available = False
        self._table = TextTable(
            [
                Column(COLUMNS[0], 300, sortable=True),
                Column(COLUMNS[1], 330, sortable=True),
                Column(COLUMNS[2], 0.4, stretch=True, sortable=True),
                Column(COLUMNS[3], 0.6, stretch=True, sortable=True, default_sort=True),
            ],
            on_sort=self._sorted,
        )
        self._bar: int | str = 0
        self._tooltip: int | str = 0
        self._count: int | str = 0
        self._progress: int | str = 0
        self._progress_bar: int | str = 0
        self._last: int | str = 0
        self._filter: int | str = 0
        self._add_button: int | str = 0

    def visible(self, dev_mode: bool) -> bool:
        return True

    def build(self, parent: int | str, shared: Shared) -> None:
        with dpg.group(parent=parent) as body:
            # A drawlist takes no tooltip: the group around it does.
            with dpg.group() as bar_group:
                self._bar = dpg.add_drawlist(width=100, height=BAR_HEIGHT)
            with dpg.tooltip(bar_group):
                self._tooltip = dpg.add_text("")
            with dpg.group(horizontal=True):
                self._count = dpg.add_text("0 executables")
                self._add_button = dpg.add_button(
                    label="Add executables...", callback=self._open_dialog
                )
                self._filter = dpg.add_input_text(hint="Filter ...", width=FILTER_WIDTH)
            with dpg.group(horizontal=True):
                self._progress = dpg.add_text("")
                self._progress_bar = dpg.add_progress_bar(width=240, show=False)
            self._last = dpg.add_text("", color=(150, 150, 150))
            self._table.build(body)

    # -- adding files ------------------------------------------------------

    def _open_dialog(self) -> None:
        self._dialog.open()

    def add(self, paths: list[Path]) -> None:
        """Queue files (or folders of them) for ingest."""
        self._queued.extend(paths)

    def _submit(self, shared: Shared) -> None:
        if shared.dropped:
            self.add(shared.dropped)
            shared.dropped = []
        if not self._queued:
            return
        paths, self._queued = self._queued, []
        self._submits += 1
        _log.info("ingesting symbols of %s", ", ".join(str(p) for p in paths))
        ingest = self._ingest
        # Folders are walked for ELF files: off the UI thread.
        shared.work.request("ingest-submit", self._submits, lambda: ingest.submit(paths))

    # -- each frame --------------------------------------------------------

    def _sorted(self, column: int, descending: bool) -> None:
        self.sort_column, self.descending = column, descending

    def result_key(self, shared: Shared, progress: IngestProgress) -> object:
        tick = 0 if shared.capturing else int(time.monotonic() // REFRESH_SECONDS)
        return ("executables", shared.change, progress.files_done, progress.files_queued, tick)

    def update(self, shared: Shared) -> None:
        self._drop_available = shared.drop_available
        self._dialog.follow()
        self._submit(shared)
        progress = self._ingest.progress()
        self._show_progress(progress)
        store, symbols = shared.store, self._symbols

        def compute() -> list[TableRow]:
            return [table_row(row) for row in executable_rows(store.executables(), symbols)]

        outcome = shared.work.request("executables", self.result_key(shared, progress), compute)
        if outcome is not None and outcome.key != self._key:
            if outcome.value is not None:
                self._log_new_errors(outcome.value)
                self.rows = outcome.value
            else:
                dpg.set_value(self._last, outcome.error or "")
            self._key = outcome.key
        self.filter_text = str(dpg.get_value(self._filter))
        width = dpg.get_viewport_client_width() - 24
        view = (self._key, self.filter_text, self.sort_column, self.descending, width)
        if view != self._view:
            self._view = view
            dpg.configure_item(self._bar, width=width)
            self._show_rows(width)

    def _log_new_errors(self, rows: list[TableRow]) -> None:
        """Statuses that turned into errors since the last read go to the log too."""
        if self._key is None:
            return
        before = {row.file_id: row.state for row in self.rows}
        for row in rows:
            if row.state in _ERROR_STATES and before.get(row.file_id) != row.state:
                _log.warning("symbols of %s (%s): %s", row.file_name, row.file_id, row.status)

    def _show_progress(self, progress: IngestProgress) -> None:
        dpg.set_value(self._progress, progress_line(progress, drop_available=self._drop_available))
        busy = progress.files_done < progress.files_queued
        dpg.configure_item(self._progress_bar, show=busy)
        if busy:
            fraction = progress_fraction(progress)
            dpg.configure_item(self._progress_bar, default_value=fraction)
        last = progress.last_outcome
        if last is not None:
            dpg.set_value(self._last, f"Last: {last.path.name}: {last.status}")

    def _show_rows(self, width: int) -> None:
        self.shown = sorted_rows(
            filtered(self.rows, self.filter_text), self.sort_column, self.descending
        )
        self._table.show([row.cells() for row in self.shown], [row.colour for row in self.shown])
        dpg.set_value(self._count, f"{len(self.rows):,} executables")
        dpg.set_value(self._tooltip, counts_tooltip(self.rows))
        self._draw_bar(width)

    def _draw_bar(self, width: int) -> None:
        dpg.delete_item(self._bar, children_only=True)
        total = len(self.rows)
        if total == 0:
            dpg.draw_rectangle((0, 0), (width, BAR_HEIGHT), fill=(45, 45, 45), parent=self._bar)
            return
        x = 0.0
        for _, count, colour in state_counts(self.rows):
            if count == 0:
                continue
            right = x + width * count / total
            dpg.draw_rectangle(
                (x, 0),
                (right, BAR_HEIGHT),
                fill=(*colour, 255),
                color=(*colour, 255),
                parent=self._bar,
            )
            x = right

    def settled(self, shared: Shared) -> bool:
        return self._key == self.result_key(shared, self._ingest.progress()) and not self._queued

    def state(self) -> dict[str, object]:
        return {
            "executables": len(self.rows),
            "shown": [
                {"file_name": r.file_name, "state": r.state.value, "status": r.status}
                for r in self.shown[:50]
            ],
            "ingest_idle": self._ingest.idle(),
            "sort": [self.sort_column, self.descending],
            "filter": self.filter_text,
            "matching": len(self.shown),
            "row_items": self._table.row_items,
            "filter_at": drawn_at(self._filter),
            "add_at": drawn_at(self._add_button),
            "dialog": self._dialog.rect(),
        }
