"""The FlameScope tab: a heat map of weight per (second, 10 ms), and span selection.

Drag over the map to select the time between two cells, double-click to
select one second; "View selection in Flamegraph" makes that span the range
of every tab and switches to the flamegraph. The map is one static texture,
recreated only when a new result lands; the selection is drawn over it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import dearpygui.dearpygui as dpg
import numpy as np
import numpy.typing as npt

from devfiler.analysis.flamescope import ROWS
from devfiler.analysis.profile_cache import ProfileCache
from devfiler.analysis.results import Selection, Unit
from devfiler.ui.double_click import DoubleClicks
from devfiler.ui.drawn import drawn_at
from devfiler.ui.flamescope_grid import (
    Cell,
    Grid,
    cell_at,
    cell_start,
    column_span,
    drag_span,
    heat_image,
    make_grid,
    scaled,
    span_rects,
)
from devfiler.ui.formatting import weight
from devfiler.ui.tabs import Shared
from devfiler.ui.theme import BACKGROUND, TEXT_DIM
from devfiler.ui.time_range import NS, time_ticks

LEFT = 64
"""Room for the row labels left of the map."""
BOTTOM = 22
"""Room for the time labels under the map."""
TOP = 8
"""Room for the first row label."""
SELECTION_FILL = (255, 255, 255, 60)
SELECTION_EDGE = (255, 255, 255, 220)
HINT = "Drag over the map to select a span, double-click to select one second."


@dataclass(frozen=True, slots=True)
class ScopeData:
    grid: Grid
    image: npt.NDArray[np.float32]
    unit: Unit


def _compute(profiles: ProfileCache, selection: Selection, change: int) -> ScopeData:
    result = profiles.flamescope(selection, change)
    grid = make_grid(result, selection.start_ns, selection.end_ns)
    return ScopeData(grid, heat_image(grid), result.unit)


def _clock(ns: int) -> str:
    stamp = time.strftime("%H:%M:%S", time.localtime(ns // NS))
    return f"{stamp}.{ns % NS // 1_000_000:03d}"


class FlameScopeTab:
    id = "flamescope"
    title = "FlameScope"

    def __init__(self) -> None:
        self._double_clicks = DoubleClicks()
        self.data: ScopeData | None = None
        self.span: tuple[int, int] | None = None
        self._key: object = None
        self._drag_from: Cell | None = None
        self._was_down = False
        self._drawn: object = None
        self._drawn_span: tuple[int, int] | None = None
        self._size = (0, 0)
        self._texture: int | str = 0
        self._textures: int | str = 0
        self._drawlist: int | str = 0
        self._map: int | str = 0
        self._overlay: int | str = 0
        self._view_button: int | str = 0
        self._clear_button: int | str = 0
        self._span_text: int | str = 0
        self._hover_text: int | str = 0

    def visible(self, dev_mode: bool) -> bool:
        return True

    def build(self, parent: int | str, shared: Shared) -> None:
        self._textures = dpg.add_texture_registry()
        with dpg.group(parent=parent):
            with dpg.group(horizontal=True):
                self._view_button = dpg.add_button(
                    label="View selection in Flamegraph", callback=self._view, user_data=shared
                )
                self._clear_button = dpg.add_button(label="Clear selection", callback=self._clear)
                self._span_text = dpg.add_text(HINT)
            self._hover_text = dpg.add_text("", color=(*TEXT_DIM, 255))
            self._drawlist = dpg.add_drawlist(width=100, height=100)
            self._map = dpg.add_draw_node(parent=self._drawlist)
            self._overlay = dpg.add_draw_node(parent=self._drawlist)

    # -- callbacks ---------------------------------------------------------

    def _view(self, sender: int | str, app_data: object, shared: Shared) -> None:
        if self.span is not None:
            shared.request_range = self.span
            shared.request_tab = "flamegraph"

    def _clear(self) -> None:
        self.span = None

    # -- each frame --------------------------------------------------------

    def result_key(self, shared: Shared) -> object:
        return ("flamescope", shared.selection, shared.change)

    def update(self, shared: Shared) -> None:
        self._place()
        profiles, selection, change = shared.profiles, shared.selection, shared.change
        outcome = shared.work.request(
            "flamescope", self.result_key(shared), lambda: _compute(profiles, selection, change)
        )
        if outcome is not None and outcome.key != self._key:
            self._key = outcome.key
            if outcome.value is None:
                dpg.set_value(self._hover_text, outcome.error or "")
            else:
                self.data = outcome.value
        if self.data is not None:
            self._handle_mouse(shared)
        self._draw()
        dpg.configure_item(self._view_button, enabled=self.span is not None)
        dpg.configure_item(self._clear_button, enabled=self.span is not None)
        dpg.set_value(self._span_text, self._span_line())

    def settled(self, shared: Shared) -> bool:
        return self._key == self.result_key(shared) and self._drawn is not None

    def _place(self) -> None:
        width = dpg.get_viewport_client_width()
        height = dpg.get_viewport_client_height()
        top = dpg.get_item_rect_min(self._drawlist)[1] if self._size != (0, 0) else 220
        size = (max(width - 16, 200), max(int(height - top - 8), 150))
        if size != self._size:
            self._size = size
            dpg.configure_item(self._drawlist, width=size[0], height=size[1])
            self._drawn = None

    def _area(self) -> tuple[float, float, float, float]:
        """Where the map is in the drawlist: x, y, width, height."""
        width, height = self._size
        return LEFT, TOP, max(width - LEFT - 8.0, 10.0), max(height - BOTTOM - TOP, 10.0)

    def _upload(self, image: npt.NDArray[np.float32]) -> None:
        """One texel per pixel of the map, so cells keep sharp edges."""
        dpg.delete_item(self._map, children_only=True)
        if self._texture:
            dpg.delete_item(self._texture)
        _, _, w, h = self._area()
        pixels = scaled(image, int(w), int(h))
        self._texture = dpg.add_static_texture(
            int(w), int(h), pixels.ravel(), parent=self._textures
        )

    # -- mouse ---------------------------------------------------------------

    def _cell_under_mouse(self) -> Cell | None:
        if self.data is None or not dpg.is_item_hovered(self._drawlist):
            return None
        mx, my = dpg.get_mouse_pos(local=False)
        ox, oy = dpg.get_item_rect_min(self._drawlist)
        x, y, w, h = self._area()
        fx, fy = (mx - ox - x) / w, (my - oy - y) / h
        if not (0 <= fx < 1 and 0 <= fy < 1):
            return None
        return cell_at(self.data.grid, fx, fy)

    def _handle_mouse(self, shared: Shared) -> None:
        assert self.data is not None
        grid = self.data.grid
        cell = self._cell_under_mouse()
        down = dpg.is_mouse_button_down(dpg.mvMouseButton_Left)
        if self._double_clicks.seen() and cell is not None:
            self.span = column_span(grid, cell[0])
            self._drag_from = None
        elif cell is not None and down and not self._was_down:
            self._drag_from = cell
            self.span = drag_span(grid, cell, cell)
        elif self._drag_from is not None and down and cell is not None:
            self.span = drag_span(grid, self._drag_from, cell)
        elif not down:
            if self._drag_from is not None and cell is not None:
                # A quick drag's last move can reach the same frame as the release.
                self.span = drag_span(grid, self._drag_from, cell)
            self._drag_from = None
        self._was_down = down
        if cell is not None and not shared.capturing:
            column, row = cell
            amount = weight(int(grid.weights[row, column]), self.data.unit)
            dpg.set_value(self._hover_text, f"{_clock(cell_start(grid, cell))}: {amount}")

    def _span_line(self) -> str:
        if self.span is None:
            return HINT
        start, end = self.span
        return f"Selected {_clock(start)} - {_clock(end)} ({(end - start) / 1e6:,.0f} ms)"

    # -- drawing -------------------------------------------------------------

    def _draw(self) -> None:
        if self.data is None:
            return
        key = (self._key, self._size)
        if key != self._drawn:
            self._upload(self.data.image)
            self._draw_map(self.data.grid)
            self._drawn, self._drawn_span = key, None
        if self._drawn_span != self.span:
            self._draw_selection(self.data.grid)
            self._drawn_span = self.span

    def _draw_map(self, grid: Grid) -> None:
        x, y, w, h = self._area()
        width, height = self._size
        dpg.draw_rectangle(
            (0, 0),
            (width, height),
            fill=(*BACKGROUND, 255),
            color=(*BACKGROUND, 255),
            parent=self._map,
        )
        dpg.draw_image(self._texture, (x, y), (x + w, y + h), parent=self._map)
        label = (*TEXT_DIM, 255)
        for row in range(0, ROWS + 1, 10):
            ty = y + h * row / ROWS
            dpg.draw_line((x - 5, ty), (x, ty), color=label, parent=self._map)
            if row < ROWS:
                dpg.draw_text((4, ty - 7), f"{row * 10} ms", size=13, color=label, parent=self._map)
        origin_s = grid.origin_ns / NS
        span_s = grid.columns * grid.column_ns / NS
        for text, at in time_ticks(origin_s, origin_s + span_s, origin_s):
            tx = x + w * at / span_s
            dpg.draw_line((tx, y + h), (tx, y + h + 4), color=label, parent=self._map)
            dpg.draw_text((tx - 28, y + h + 5), text, size=13, color=label, parent=self._map)

    def _draw_selection(self, grid: Grid) -> None:
        dpg.delete_item(self._overlay, children_only=True)
        if self.span is None:
            return
        x, y, w, h = self._area()
        cw, rh = w / grid.columns, h / ROWS
        for c0, r0, c1, r1 in span_rects(grid, *self.span):
            dpg.draw_rectangle(
                (x + c0 * cw, y + r0 * rh),
                (x + c1 * cw, y + r1 * rh),
                fill=SELECTION_FILL,
                color=SELECTION_EDGE,
                parent=self._overlay,
            )

    def state(self) -> dict[str, object]:
        x, y, w, h = self._area()
        ox, oy = dpg.get_item_rect_min(self._drawlist)
        grid = self.data.grid if self.data is not None else None
        return {
            "span": list(self.span) if self.span else None,
            "dragging": self._drag_from is not None,
            "map": [ox + x, oy + y, w, h],
            "columns": grid.columns if grid else 0,
            "column_ns": grid.column_ns if grid else 0,
            "origin_ns": grid.origin_ns if grid else 0,
            "peak": grid.peak if grid else 0.0,
            "view_at": drawn_at(self._view_button),
        }
