"""The filter bar under the timeline: pick a context field, type a value, keep or drop it.

Active filters show as chips; clicking a chip removes it. The shell reads
`filters` each frame into the Selection every tab uses.
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg

from devfiler.ui import theme
from devfiler.ui.context_filters import FIELD_TITLES, ContextFilter, FilterList
from devfiler.ui.drawn import drawn_at

VALUE_WIDTH = 220
FIELD_WIDTH = 110


class FilterBar:
    def __init__(self) -> None:
        self.filters = FilterList()
        self._field: int | str = 0
        self._value: int | str = 0
        self._include: int | str = 0
        self._chips: int | str = 0
        self._chip_theme: int | str = 0
        self._chips_for: FilterList | None = None
        self._chip_items: list[int | str] = []

    def build(self, parent: int | str) -> None:
        with dpg.group(horizontal=True, parent=parent):
            dpg.add_text("Filter:", color=theme.TEXT_DIM)
            self._field = dpg.add_combo(
                list(FIELD_TITLES), default_value="Thread", width=FIELD_WIDTH
            )
            self._value = dpg.add_input_text(
                hint="value ...", width=VALUE_WIDTH, on_enter=True, callback=self._add
            )
            self._include = dpg.add_button(label="Include", callback=self._add)
            dpg.add_button(label="Exclude", callback=self._add, user_data=True)
            self._chips = dpg.add_group(horizontal=True)
        with dpg.theme() as self._chip_theme, dpg.theme_component(dpg.mvButton):
            dpg.add_theme_color(dpg.mvThemeCol_Button, (*theme.WIDGET, 255))
            dpg.add_theme_color(dpg.mvThemeCol_ButtonHovered, (*theme.ACCENT_HOVER, 255))
            dpg.add_theme_style(dpg.mvStyleVar_FrameRounding, 8)
            dpg.add_theme_style(dpg.mvStyleVar_FramePadding, 8, 3)

    def _add(self, sender: int | str, app_data: object, exclude: bool | None) -> None:
        field = FIELD_TITLES[str(dpg.get_value(self._field))]
        self.filters = self.filters.added(
            field, str(dpg.get_value(self._value)), exclude=bool(exclude)
        )
        dpg.set_value(self._value, "")

    def _remove(self, sender: int | str, app_data: object, gone: ContextFilter) -> None:
        self.filters = self.filters.removed(gone)

    def update(self) -> None:
        """Chips are made anew only when the list changed."""
        if self._chips_for == self.filters:
            return
        self._chips_for = self.filters
        dpg.delete_item(self._chips, children_only=True)
        self._chip_items = []
        for chip in self.filters.filters:
            item = dpg.add_button(
                label=f"{chip.label}  x", parent=self._chips, callback=self._remove, user_data=chip
            )
            dpg.bind_item_theme(item, self._chip_theme)
            self._chip_items.append(item)

    def state(self) -> dict[str, object]:
        """Chips and where to click, for automation."""
        return {
            "chips": self.filters.labels,
            "chips_at": [drawn_at(item) for item in self._chip_items],
            "value_at": drawn_at(self._value),
            "include_at": drawn_at(self._include),
        }
