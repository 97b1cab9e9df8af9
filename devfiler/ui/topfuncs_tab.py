"""The Top functions tab: a sortable, filterable table with bars and heat strips.

The analysis layer sorts, filters and truncates (the order and filter are
part of the result key); this tab only shows rows. Rows are items filled in
place when a new result lands, so the table never blanks (rows beyond the
new count are deleted: a clipped table draws hidden rows); the heat strips
of all rows are one texture, each row showing its own pixel row of it.
The strips need every event's time, which the summed profile does not
keep: the table is drawn first and a second job reads the times and fills
the strips in.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import dearpygui.dearpygui as dpg
import numpy as np
import numpy.typing as npt

from devfiler.analysis.profile import read_event_paths
from devfiler.analysis.results import HEAT_BINS, TopFunction, TopFunctions, TopOrder
from devfiler.analysis.samples import FrameTarget
from devfiler.analysis.top_summary import summary_line
from devfiler.analysis.topfunctions import DEFAULT_LIMIT, top_functions
from devfiler.ui.drawn import drawn_at
from devfiler.ui.empty_views import empty_reason
from devfiler.ui.tabs import Shared
from devfiler.ui.text_table import LIST_TABLE, delete_rows
from devfiler.ui.topfuncs_rows import carried_heat, heat_due, heat_rows, row_cells

ROW_HEIGHT = 18
FILTER_WIDTH = 260
HEAT_WIDTH = 420


@dataclass(slots=True)
class _Row:
    row: int | str
    self_bar: int | str
    total_bar: int | str
    self_count: int | str
    total_count: int | str
    kind: int | str
    function: int | str
    file: int | str
    heat: int | str


class TopFunctionsTab:
    id = "topfuncs"
    title = "Top functions"

    def __init__(self) -> None:
        self.order = TopOrder.TOTAL
        self.filter_text = ""
        self.result: TopFunctions | None = None
        self._key: object = None
        self._heat_key: Hashable = None
        self._heat_at = 0.0
        self._heat_due = True
        self._error: str | None = None
        self._shown_key: object = None
        self._shown_items: tuple[TopFunction, ...] = ()
        self._rows: list[_Row] = []
        self._table: int | str = 0
        self._summary: int | str = 0
        self._filter: int | str = 0
        self._texture: int | str = 0
        self._pixels: npt.NDArray[np.float32] = np.zeros(
            DEFAULT_LIMIT * HEAT_BINS * 4, dtype=np.float32
        )

    def visible(self, dev_mode: bool) -> bool:
        return True

    def view_state(self) -> dict[str, object]:
        """Kept across restarts (ui/view_state.py): the sort column."""
        return {"order": self.order.value}

    def restore_view(self, saved: Mapping[str, object]) -> None:
        """Before `build`, which marks the restored sort column."""
        order = saved.get("order")
        if order in {o.value for o in TopOrder}:
            self.order = TopOrder(str(order))

    def build(self, parent: int | str, shared: Shared) -> None:
        with dpg.texture_registry():
            self._texture = dpg.add_raw_texture(
                HEAT_BINS, DEFAULT_LIMIT, self._pixels, format=dpg.mvFormat_Float_rgba
            )
        with dpg.group(parent=parent):
            self._summary = dpg.add_text("")
            self._filter = dpg.add_input_text(hint="Filter ...", width=FILTER_WIDTH)
            with dpg.table(
                sortable=True, callback=self._sorted, height=-1, **LIST_TABLE
            ) as self._table:
                dpg.add_table_column(
                    label="Self",
                    width_fixed=True,
                    init_width_or_weight=90,
                    default_sort=self.order is TopOrder.SELF,
                    prefer_sort_descending=True,
                    user_data=TopOrder.SELF,
                )
                dpg.add_table_column(
                    label="With Children",
                    width_fixed=True,
                    init_width_or_weight=125,
                    default_sort=self.order is TopOrder.TOTAL,
                    prefer_sort_descending=True,
                    user_data=TopOrder.TOTAL,
                )
                dpg.add_table_column(
                    label="Self", width_fixed=True, init_width_or_weight=60, user_data=TopOrder.SELF
                )
                dpg.add_table_column(
                    label="With Children",
                    width_fixed=True,
                    init_width_or_weight=125,
                    user_data=TopOrder.TOTAL,
                )
                dpg.add_table_column(
                    label="Function", width_stretch=True, init_width_or_weight=0.42, no_sort=True
                )
                dpg.add_table_column(
                    label="Source File", width_stretch=True, init_width_or_weight=0.25, no_sort=True
                )
                dpg.add_table_column(
                    label="Heat Map",
                    width_fixed=True,
                    init_width_or_weight=HEAT_WIDTH,
                    no_sort=True,
                )

    def _sorted(self, sender: int | str, specs: list[list[int]] | None) -> None:
        if not specs:
            return
        column = specs[0][0]
        order = dpg.get_item_user_data(column)
        if isinstance(order, TopOrder):
            self.order = order

    def result_key(self, shared: Shared) -> Hashable:
        """What the table shows; `topfuncs_rows.heat_due` reads its parts."""
        return ("topfuncs", shared.selection, shared.change, self.order, self.filter_text)

    def update(self, shared: Shared) -> None:
        width = dpg.get_viewport_client_width()
        dpg.set_item_pos(
            self._filter, (max(width - 24 - FILTER_WIDTH, 300), dpg.get_item_pos(self._summary)[1])
        )
        self.filter_text = str(dpg.get_value(self._filter))
        self._right_click(shared)
        profiles, selection, change = shared.profiles, shared.selection, shared.change
        order, needle, store = self.order, self.filter_text.strip(), shared.store

        def compute() -> tuple[TopFunctions, str]:
            result = top_functions(
                profiles.get(selection, change), order=order, filter_text=needle, heat=False
            )
            filtered = bool(selection.include or selection.exclude)
            empty = empty_reason(selection.kinds, filtered=filtered)
            return result, summary_line(result, filter_text=needle, empty=empty)

        def with_heat() -> TopFunctions:
            profile = profiles.get(selection, change)
            events = read_event_paths(store, profile)
            return top_functions(profile, order=order, filter_text=needle, events=events)

        key = self.result_key(shared)
        outcome = shared.work.request("topfuncs", key, compute)
        if outcome is not None and outcome.key != self._key:
            self._key, self._error = outcome.key, outcome.error
            if outcome.value is None:
                dpg.set_value(self._summary, outcome.error or "")
                return
            self.result, summary = outcome.value
            dpg.set_value(self._summary, summary)
            self._show(self.result)
        if self._key != key or self._error is not None:
            return
        # Only once the table of this key is drawn: the strips never delay it.
        now = time.monotonic()
        self._heat_due = heat_due(self._heat_key, key, now - self._heat_at)
        if self._heat_due:
            heat = shared.work.request("topheat", key, with_heat)
        else:
            heat = shared.work.last("topheat")
        if heat is None or heat.key == self._heat_key or heat.value is None:
            return
        self._heat_key, self._heat_at = heat.key, now
        if heat.key == key:
            self.result = heat.value
            self._show(heat.value)
        elif self.result is not None:
            # Strips of the range a moment ago: shown on this table's functions.
            self._shown_items = heat.value.items
            self._show(self.result)

    def _right_click(self, shared: Shared) -> None:
        """A right-click on a row lists the samples behind its function."""
        if self.result is None or not dpg.is_mouse_button_clicked(dpg.mvMouseButton_Right):
            return
        for row, item in zip(self._rows, self.result.items, strict=False):
            if any(dpg.is_item_hovered(cell) for cell in (row.function, row.file, row.heat)):
                shared.request_samples = FrameTarget(function=item.function)
                return

    def settled(self, shared: Shared) -> bool:
        key = self.result_key(shared)
        strips = self._heat_key == key or not self._heat_due
        return self._key == key and (self._error is not None or strips)

    def _show(self, result: TopFunctions) -> None:
        items = result.items[:DEFAULT_LIMIT]
        items = carried_heat(items, self._shown_items)
        self._shown_items = items
        while len(self._rows) < len(items):
            self._rows.append(self._add_row(len(self._rows)))
        for row, item in zip(self._rows, items, strict=False):
            cells = row_cells(item, result.unit)
            dpg.configure_item(row.self_bar, default_value=cells.self_pct, overlay=cells.self_text)
            dpg.configure_item(
                row.total_bar, default_value=cells.total_pct, overlay=cells.total_text
            )
            dpg.set_value(row.self_count, cells.self_count)
            dpg.set_value(row.total_count, cells.total_count)
            dpg.set_value(row.kind, (*cells.kind_colour, 255))
            dpg.set_value(row.function, cells.function)
            dpg.set_value(row.file, cells.file)
        delete_rows([row.row for row in self._rows[len(items) :]])
        del self._rows[len(items) :]
        self._pixels[:] = heat_rows(items, HEAT_BINS, DEFAULT_LIMIT).ravel()
        dpg.set_value(self._texture, self._pixels)

    def _add_row(self, index: int) -> _Row:
        v0, v1 = index / DEFAULT_LIMIT, (index + 1) / DEFAULT_LIMIT
        with dpg.table_row(parent=self._table) as row:
            self_bar = dpg.add_progress_bar(width=-1, height=ROW_HEIGHT - 2)
            total_bar = dpg.add_progress_bar(width=-1, height=ROW_HEIGHT - 2)
            self_count = dpg.add_text("")
            total_count = dpg.add_text("")
            with dpg.group(horizontal=True):
                kind = dpg.add_color_button(
                    (0, 0, 0, 255),
                    width=10,
                    height=10,
                    no_border=True,
                    no_tooltip=True,
                    no_drag_drop=True,
                )
                function = dpg.add_text("")
            file = dpg.add_text("")
            heat = dpg.add_image(
                self._texture,
                width=HEAT_WIDTH,
                height=ROW_HEIGHT - 4,
                uv_min=(0, v0),
                uv_max=(1, v1),
            )
        return _Row(row, self_bar, total_bar, self_count, total_count, kind, function, file, heat)

    def state(self) -> dict[str, object]:
        return {
            "order": self.order.value,
            "filter": self.filter_text,
            "rows": len(self.result.items) if self.result else 0,
            "heat": self._heat_key is not None and self._heat_key == self._key,
            "functions_total": self.result.functions_total if self.result else 0,
            "row_items": len(dpg.get_item_children(self._table, 1) or []),
            "filter_at": drawn_at(self._filter),
            "first": self.result.items[0].function if self.result and self.result.items else "",
            "first_at": drawn_at(self._rows[0].function) if self._rows else None,
        }
