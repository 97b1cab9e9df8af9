"""A table of text cells filled in place: the Log, Executables and gRPC tabs use it.

Rows are items refilled in place when new rows arrive, so a refresh never
blanks the table and never rebuilds items it can reuse; rows beyond the new
count are deleted, not hidden, as a clipped table draws hidden rows anyway.
Optionally the first cell of each row is a selectable spanning the row (a
click selects it) and headers sort.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import dearpygui.dearpygui as dpg

from devfiler.ui.drawn import drawn_at
from devfiler.ui.theme import RGB, TEXT

LIST_TABLE: dict[str, object] = {
    "header_row": True,
    "resizable": True,
    "policy": dpg.mvTable_SizingFixedFit,
    "scrollY": True,
    "clipper": True,
    "row_background": True,
    "borders_innerV": True,
}
"""How every long list of the window looks: fixed-fit columns, scrolling, clipped rows."""


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    width: float
    """Pixels for a fixed column; a weight (<= 1) for a stretching one."""
    stretch: bool = False
    sortable: bool = False
    default_sort: bool = False


class TextTable:
    def __init__(
        self,
        columns: Sequence[Column],
        *,
        on_select: Callable[[int], None] | None = None,
        on_sort: Callable[[int, bool], None] | None = None,
    ) -> None:
        self.columns = tuple(columns)
        self._on_select = on_select
        self._on_sort = on_sort
        self._table: int | str = 0
        self._rows: list[tuple[int | str, list[int | str]]] = []
        self._selected = -1

    def build(self, parent: int | str, *, height: int = -1) -> None:
        with dpg.table(
            parent=parent,
            sortable=self._on_sort is not None,
            sort_tristate=False,
            callback=self._sorted,
            height=height,
            **LIST_TABLE,
        ) as self._table:
            for index, column in enumerate(self.columns):
                dpg.add_table_column(
                    label=column.label,
                    width_stretch=column.stretch,
                    width_fixed=not column.stretch,
                    init_width_or_weight=column.width,
                    no_sort=not column.sortable,
                    default_sort=column.default_sort,
                    user_data=index,
                )

    def _sorted(self, sender: int | str, specs: list[list[int]] | None) -> None:
        if not specs or self._on_sort is None:
            return
        column, direction = specs[0]
        self._on_sort(int(dpg.get_item_user_data(column) or 0), direction < 0)

    def _clicked(self, sender: int | str, value: bool, index: int) -> None:
        self.select(index)
        if self._on_select is not None:
            self._on_select(index)

    def select(self, index: int) -> None:
        """Highlight one row (-1: none)."""
        self._selected = index
        if self._on_select is None:
            return
        for number, (_, cells) in enumerate(self._rows):
            dpg.set_value(cells[0], number == index)

    def show(self, rows: Sequence[Sequence[str]], colours: Sequence[RGB] | None = None) -> None:
        """Fill the table with these rows (one colour per row, default text colour)."""
        while len(self._rows) < len(rows):
            self._rows.append(self._add_row(len(self._rows)))
        for number, ((_, cells), values) in enumerate(zip(self._rows, rows, strict=False)):
            colour = (*(colours[number] if colours is not None else TEXT), 255)
            for cell, value in zip(cells, values, strict=True):
                if cell == cells[0] and self._on_select is not None:
                    dpg.configure_item(cell, label=value)
                    dpg.set_value(cell, number == self._selected)
                else:
                    dpg.configure_item(cell, default_value=value, color=colour)
        delete_rows([item for item, _ in self._rows[len(rows) :]])
        del self._rows[len(rows) :]

    def _add_row(self, index: int) -> tuple[int | str, list[int | str]]:
        with dpg.table_row(parent=self._table) as row:
            cells: list[int | str] = []
            for column in range(len(self.columns)):
                if column == 0 and self._on_select is not None:
                    cells.append(
                        dpg.add_selectable(
                            label="", span_columns=True, callback=self._clicked, user_data=index
                        )
                    )
                else:
                    cells.append(dpg.add_text(""))
        return row, cells

    def row_at(self, index: int) -> list[float] | None:
        """Where a row's first cell was drawn last frame (automation clicks there)."""
        if index >= len(self._rows):
            return None
        return drawn_at(self._rows[index][1][0])

    @property
    def row_items(self) -> int:
        """Row items in the table: exactly the rows shown (automation checks it)."""
        return len(dpg.get_item_children(self._table, 1) or [])


def delete_rows(rows: Sequence[int | str]) -> None:
    """Drop surplus rows of a table: with clipper=True, Dear PyGui draws rows whose show is off."""
    for row in rows:
        dpg.delete_item(row)
