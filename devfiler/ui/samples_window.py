"""The samples behind a frame: a window listing the events below a box or a function.

Right-clicking a flamegraph box or a Top functions row asks for it (through
Shared.request_samples); the events are read in the background
(analysis/samples.py) for the current selection, so the table follows new
data and filters like the tabs do. Headers sort the rows; the line above
says how many events there are in all when only the first ones are listed.
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg

from devfiler.analysis.samples import (
    COLUMNS,
    FrameSamples,
    FrameTarget,
    Sample,
    samples_behind,
    sorted_samples,
)
from devfiler.export.samples_doc import summary
from devfiler.export.text import clock
from devfiler.ui.centered_window import centered, is_shown
from devfiler.ui.drawn import drawn_at
from devfiler.ui.tabs import Shared
from devfiler.ui.text_table import Column, TextTable

WIDTH = 980
HEIGHT = 520
SLOT = "samples"
TABLE_COLUMNS = (
    Column("Time (UTC)", 250, sortable=True, default_sort=True),
    Column("Thread", 150, sortable=True),
    Column("TID", 80, sortable=True),
    Column("PID", 80, sortable=True),
    Column("Executable", 0.6, stretch=True, sortable=True),
    Column("Container", 110, sortable=True),
    Column("Weight", 90, sortable=True),
)


def cells(row: Sample) -> tuple[str, ...]:
    """A row as the table shows it (container IDs shortened like `docker ps` does)."""
    return (
        clock(row.time_ns)[:-1].replace("T", " "),
        row.thread,
        str(row.tid),
        str(row.pid),
        row.executable,
        row.container[:12],
        str(row.weight),
    )


class SamplesWindow:
    """A closable window; `open` shows the samples behind one frame."""

    def __init__(self) -> None:
        self.target: FrameTarget | None = None
        self.result: FrameSamples | None = None
        self.rows: tuple[Sample, ...] = ()
        """The rows shown, in the table's order."""
        self.order = ("time", False)
        self.window: int | str = 0
        self._summary: int | str = 0
        self._table = TextTable(TABLE_COLUMNS, on_sort=self._sort)
        self._key: object = None
        self._shown: object = None

    def build(self, viewport_width: int, viewport_height: int) -> None:
        with centered("Samples", (WIDTH, HEIGHT), (viewport_width, viewport_height)) as window:
            self.window = window
            self._summary = dpg.add_text("", wrap=WIDTH - 20)
            self._table.build(self.window)

    @property
    def shown(self) -> bool:
        return is_shown(self.window)

    def open(self, target: FrameTarget) -> None:
        self.target = target
        self.result = None
        self.rows = ()
        dpg.configure_item(self.window, show=True, label=f"Samples behind {target.text}")
        dpg.set_value(self._summary, "reading the samples ...")
        self._table.show([])
        dpg.focus_item(self.window)

    def _sort(self, column: int, descending: bool) -> None:
        self.order = (COLUMNS[column], descending)

    def key(self, shared: Shared) -> object:
        return (SLOT, shared.selection, shared.change, self.target)

    def update(self, shared: Shared) -> None:
        """Ask for the rows of the current selection; refill the table when they or the
        order changed."""
        target = self.target
        if target is None or not self.shown:
            return
        store, selection, symbols = shared.store, shared.selection, shared.symbols
        outcome = shared.work.request(
            SLOT, self.key(shared), lambda: samples_behind(store, selection, symbols, target)
        )
        # The slot's last result may still be another frame's.
        if outcome is None or not (isinstance(outcome.key, tuple) and outcome.key[-1] == target):
            return
        if outcome.key != self._key:
            self._key = outcome.key
            if outcome.value is None:
                dpg.set_value(self._summary, outcome.error or "")
                return
            self.result = outcome.value
        if self.result is None or self._shown == (self._key, self.order):
            return
        self._shown = (self._key, self.order)
        column, descending = self.order
        self.rows = sorted_samples(self.result.rows, column, descending=descending)
        dpg.set_value(self._summary, summary(self.result))
        self._table.show([cells(row) for row in self.rows])

    def settled(self, shared: Shared) -> bool:
        return not self.shown or self._shown == (self.key(shared), self.order)

    def _close_at(self) -> list[float] | None:
        """The title bar's close button (automation closes the window there)."""
        if not self.shown:
            return None
        x, y = dpg.get_item_pos(self.window)
        return [float(x + dpg.get_item_width(self.window) - 14), float(y + 10)]

    def state(self) -> dict[str, object]:
        """What automation checks: the frame, the counts, the order and the first row."""
        column, descending = self.order
        return {
            "shown": self.shown,
            "frame": self.target.text if self.target else None,
            "total": self.result.total if self.result else 0,
            "rows": len(self.rows),
            "row_items": self._table.row_items,
            "order": [column, descending],
            "rows_text": [list(cells(row)) for row in self.rows[:3]],
            "summary": str(dpg.get_value(self._summary)),
            "summary_at": drawn_at(self._summary),
            "first_row_at": self._table.row_at(0),
            "close_at": self._close_at(),
        }
