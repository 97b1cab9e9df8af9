"""The Log tab: the application's own log records, newest first, filtered by level."""

from __future__ import annotations

import dearpygui.dearpygui as dpg

from devfiler.log_ring import LogRing
from devfiler.ui.drawn import drawn_at
from devfiler.ui.log_rows import LEVEL_CHOICES, LogRow, log_rows
from devfiler.ui.tabs import Shared
from devfiler.ui.text_table import Column, TextTable


class LogTab:
    id = "log"
    title = "Log"

    def __init__(self, ring: LogRing) -> None:
        self._ring = ring
        self.level_name = "Info"
        self.rows: list[LogRow] = []
        self._shown: tuple[int, str] | None = None
        self._count: int | str = 0
        self._level: int | str = 0
        self._table = TextTable(
            (
                Column("Time", 100),
                Column("Level", 70),
                Column("Source", 260),
                Column("Message", 1.0, stretch=True),
            )
        )

    def visible(self, dev_mode: bool) -> bool:
        return True

    def build(self, parent: int | str, shared: Shared) -> None:
        with dpg.group(parent=parent) as body:
            with dpg.group(horizontal=True):
                dpg.add_text("Level:")
                self._level = dpg.add_combo(
                    list(LEVEL_CHOICES),
                    default_value=self.level_name,
                    width=100,
                    callback=self._set_level,
                )
                self._count = dpg.add_text("", color=(150, 150, 150))
            self._table.build(body)

    def _set_level(self, sender: int | str, name: str) -> None:
        self.level_name = name

    def update(self, shared: Shared) -> None:
        key = (self._ring.last_seq, self.level_name)
        if key == self._shown:
            return
        self._shown = key
        self.rows = log_rows(self._ring.entries(), LEVEL_CHOICES[self.level_name])
        self._table.show([row.cells() for row in self.rows], [row.colour for row in self.rows])
        dpg.set_value(self._count, f"{len(self.rows)} record{'s' if len(self.rows) != 1 else ''}")

    def settled(self, shared: Shared) -> bool:
        return self._shown == (self._ring.last_seq, self.level_name)

    def state(self) -> dict[str, object]:
        return {
            "level": self.level_name,
            "rows": len(self.rows),
            "row_items": self._table.row_items,
            "newest": self.rows[0].message if self.rows else "",
            "level_at": drawn_at(self._level),
        }
