"""The Flamegraph tab: the boxes, zoom and pan, filter, tooltips and sandwich view.

Boxes are painted into one texture and labels are text items; both are
rebuilt only when the result, the view, the filter or the size changes.
Mouse: click zooms to a frame, double-click anywhere resets (or leaves a
sandwich view), drag or wheel pans, Ctrl+wheel zooms at the cursor,
Ctrl+click opens the sandwich view of a function, right-click lists the
samples behind a box (ui/samples_window.py), Alt+click shows the source
lines of a function with file:line information, Shift+click focuses on it
(only the stacks through it, from its outermost call; "Clear focus" returns).
"Merge recursion" and "Icicle" (root on top; off draws a flame, root at the
bottom) reshape the picture. Keys: Escape does what a
double-click does, H/J/K/L and the arrows pan, Ctrl+Up/Down zoom. The root
bar says when the view is zoomed or filtered. The filter dims frames that do
not match; Enter / Shift+Enter jump to the next / previous match.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace

import dearpygui.dearpygui as dpg
import numpy as np
import numpy.typing as npt

from devfiler.analysis.cut_tree import CutTree
from devfiler.analysis.diff import diff_flamegraph_table
from devfiler.analysis.flamegraph import Zoom
from devfiler.analysis.results import FlameGraphTable, Sandwich, Selection, Unit
from devfiler.analysis.samples import FrameTarget
from devfiler.analysis.sandwich import sandwich
from devfiler.export.text import clock
from devfiler.ui import flame_view
from devfiler.ui.background import Outcome
from devfiler.ui.double_click import DoubleClicks
from devfiler.ui.drawn import drawn_at
from devfiler.ui.empty_views import empty_reason
from devfiler.ui.export_controls import ExportControls
from devfiler.ui.flame_layout import (
    Geometry,
    Label,
    content_height,
    layout,
    position_at,
    row_at,
    row_lines,
    row_top,
    tooltip,
)
from devfiler.ui.flame_model import (
    FlatFlame,
    flatten,
    flatten_parts,
    hit,
    matches,
    table_of_tree,
)
from devfiler.ui.flame_orientation import flipped
from devfiler.ui.flame_view import FlameView
from devfiler.ui.tabs import Shared
from devfiler.ui.theme import BACKGROUND, FRAME_FONT_SIZE

ROW_HEIGHT = 18
PAN_STEP_PX = 60.0
KEY_ZOOM = 0.8
WHEEL_ZOOM = 0.85
WHEEL_SCROLL_PX = 3 * ROW_HEIGHT
DRAG_THRESHOLD_PX = 3.0
FILTER_WIDTH = 260


@dataclass(frozen=True, slots=True)
class FlameData:
    """A computed view and its flattened boxes (flattening runs on the worker too)."""

    result: FlameGraphTable | Sandwich
    flat: FlatFlame
    filtered: bool = False
    """The selection had thread, process, ... filters: the root holds only what matched."""
    empty: str = ""
    """Why nothing was selected, when nothing was."""

    @property
    def unit(self) -> Unit:
        return self.result.unit


class FlamegraphTab:
    id = "flamegraph"
    title = "Flamegraph"

    def __init__(self) -> None:
        self.view = FlameView()
        self.sandwich_of: str | None = None
        self.filter_text = ""
        self.match_cursor = -1
        self.data: FlameData | None = None
        self._cut = CutTree()
        """The cut tree, updated rather than built again while the range follows the present."""
        self.drawn_boxes = 0
        self._center_sandwich = False
        self._key: object = None
        self._error: str | None = None
        self._matches: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._matches_for: tuple[int, str] | None = None
        self._zoom_for: tuple[object, FlameView] | None = None
        self._zoom_keys: tuple[str, ...] = ()
        self._drawn: object = None
        self._size = (0, 0)
        self._pixels: npt.NDArray[np.float32] = np.zeros((0, 0, 3), dtype=np.float32)
        self._texture: int | str = 0
        self._row_images: list[int | str] = []
        self._row_gaps: list[int | str] = []
        self._below: int | str = 0
        self._rows_node: int | str = 0
        self._labels: int | str = 0
        self._label_items: list[int | str] = []
        self._labels_shown = 0
        self._rows_shown = 0
        self._drawlist: int | str = 0
        self._inline: int | str = 0
        self._filter: int | str = 0
        self._counter: int | str = 0
        self._status: int | str = 0
        self._empty: int | str = 0
        self._tooltip: int | str = 0
        self._tooltip_text: int | str = 0
        self._textures: int | str = 0
        self._drag_last: tuple[float, float] | None = None
        self._dragged = False
        self._double_clicked = False
        self._double_clicks = DoubleClicks()
        self.root_text = ""
        self._filter_was_active = False
        self.export = ExportControls()
        self.baseline: Selection | None = None
        """A pinned selection: the flamegraph then shows the change against it."""
        self._pin_pending = False
        self._baseline_button: int | str = 0
        self._baseline_text: int | str = 0
        self.icicle = True
        """Root on top (the default); False draws a flame, the root at the bottom."""
        self._to_bottom = False
        self._merge: int | str = 0
        self._icicle_box: int | str = 0
        self._focus_button: int | str = 0

    def visible(self, dev_mode: bool) -> bool:
        return True

    def view_state(self) -> dict[str, object]:
        """Kept across restarts (ui/view_state.py): orientation and the zoomed frame's path."""
        zoom = list(self.view.focus) if self.view.focus is not None else None
        return {"icicle": self.icicle, "zoom": zoom}

    def restore_view(self, saved: Mapping[str, object]) -> None:
        """Before `build`: the zoom is found again when the first result arrives."""
        self.icicle = saved.get("icicle") is not False
        self._to_bottom = not self.icicle
        zoom = saved.get("zoom")
        if isinstance(zoom, list) and all(isinstance(key, str) for key in zoom) and zoom:
            self.view = FlameView(focus=tuple(zoom))

    # -- building --------------------------------------------------------

    def build(self, parent: int | str, shared: Shared) -> None:
        self._textures = dpg.add_texture_registry()
        with dpg.group(parent=parent):
            with dpg.group(horizontal=True):
                self._inline = dpg.add_checkbox(
                    label="Show inline",
                    default_value=shared.inline,
                    callback=self._set_inline,
                    user_data=shared,
                )
                self._merge = dpg.add_checkbox(
                    label="Merge recursion",
                    default_value=shared.shape.merge_recursion,
                    callback=self._set_merge,
                    user_data=shared,
                )
                self._icicle_box = dpg.add_checkbox(
                    label="Icicle", default_value=self.icicle, callback=self._set_icicle
                )
                self._focus_button = dpg.add_button(
                    label="Clear focus", callback=self._clear_focus, user_data=shared, show=False
                )
                self.export.build()
                self._baseline_button = dpg.add_button(
                    label="Set baseline", callback=self._toggle_baseline
                )
                self._baseline_text = dpg.add_text("", color=(150, 150, 150))
                self._status = dpg.add_text("", color=(150, 150, 150))
            self._counter = dpg.add_text("")
            self._filter = dpg.add_input_text(hint="Filter ...", width=FILTER_WIDTH)
            self._drawlist = dpg.add_drawlist(width=100, height=100)
            self._empty = dpg.add_text("", wrap=720, show=False)
            self._rows_node = dpg.add_draw_node(parent=self._drawlist)
            self._labels = dpg.add_draw_node(parent=self._drawlist)
        if shared.fonts.frame:
            dpg.bind_item_font(self._drawlist, shared.fonts.frame)
        # A drawlist takes no tooltip item: a borderless window follows the mouse instead.
        with dpg.window(
            no_title_bar=True,
            no_resize=True,
            no_move=True,
            no_collapse=True,
            autosize=True,
            show=False,
            no_focus_on_appearing=True,
        ) as self._tooltip:
            self._tooltip_text = dpg.add_text("")

    # -- per frame -------------------------------------------------------

    def _toggle_baseline(self) -> None:
        """Pin the selection shown now (the next frame's), or unpin it."""
        if self.baseline is None:
            self._pin_pending = True
        else:
            self.baseline = None
            dpg.configure_item(self._baseline_button, label="Set baseline")
            dpg.set_value(self._baseline_text, "")

    def _pin(self, shared: Shared) -> None:
        if not self._pin_pending:
            return
        self._pin_pending = False
        self.baseline = shared.selection
        dpg.configure_item(self._baseline_button, label="Clear baseline")
        dpg.set_value(
            self._baseline_text,
            f"Compared with {baseline_text(shared.selection)}: red grew, blue shrank",
        )

    def _set_inline(self, sender: int | str, value: bool, shared: Shared) -> None:
        shared.inline = bool(value)

    def _set_merge(self, sender: int | str, value: bool, shared: Shared) -> None:
        shared.shape = replace(shared.shape, merge_recursion=bool(value))

    def _set_icicle(self, sender: int | str, value: bool) -> None:
        self.icicle = bool(value)
        self.view = FlameView()
        self._to_bottom = not self.icicle

    def _clear_focus(self, sender: int | str, app_data: object, shared: Shared) -> None:
        self.focus_on(shared, None)

    def focus_on(self, shared: Shared, function: str | None) -> None:
        """Show only the stacks through `function` (None: all stacks again), in every tab."""
        shared.shape = replace(shared.shape, focus=function)
        self.view = FlameView()
        self._to_bottom = not self.icicle

    def result_key(self, shared: Shared) -> object:
        return (
            "flame",
            shared.selection,
            shared.change,
            self.sandwich_of,
            self.baseline,
            self._detail(),
            self.icicle,
        )

    def _detail(self) -> tuple[float, Zoom | None]:
        """How fine a tree the flamegraph needs: nodes of a pixel at the current zoom.

        The whole tree is cut at a pixel of the drawing area; when zoomed,
        the node the view is inside is kept down to a pixel at that zoom.
        Both are rounded to powers of two (wider than the area, deeper than
        the zoom) so that resizing and zooming by a little reuse the tree.
        Sandwich and differential views are complete trees.
        """
        if self.sandwich_of is not None or self.baseline is not None:
            return 0.0, None
        pixels = 1 << (max(self._size[0], 1) - 1).bit_length()
        if self.data is None or not flame_view.zoomed(self.view):
            return 1 / pixels, None
        signature = (self._key, self.view)
        if self._zoom_for != signature:
            self._zoom_for = signature
            self._zoom_keys = flame_view.inside(self.view, self.data.flat)
        if not self._zoom_keys:
            return 1 / pixels, None
        span = 2.0 ** math.floor(math.log2(max(self.view.span, flame_view.MIN_SPAN)))
        return 1 / pixels, Zoom(self._zoom_keys, span / pixels)

    def update(self, shared: Shared) -> None:
        self._pin(shared)
        self.export.update(shared)
        self._place(shared)
        self._fetch(shared)
        self._read_filter()
        if self.data is not None:
            self._handle_input(shared)
        self._redraw(shared)
        self._update_tooltip(shared)

    def settled(self, shared: Shared) -> bool:
        if self._key != self.result_key(shared) or self.export.busy():
            return False
        drawn = isinstance(self._drawn, tuple) and self._drawn[0] == self._key
        return self._error is not None or drawn

    def _place(self, shared: Shared) -> None:
        width = dpg.get_viewport_client_width()
        height = dpg.get_viewport_client_height()
        top = dpg.get_item_rect_min(self._drawlist)[1] if self._size != (0, 0) else 250
        size = (max(width - 16, 100), max(int(height - top - 8), 100))
        row_y = dpg.get_item_pos(self._inline)[1]
        filter_x = max(width - 24 - FILTER_WIDTH, 300)
        dpg.set_item_pos(self._filter, (filter_x, row_y))
        dpg.set_item_pos(self._counter, (filter_x - 110, row_y + 3))
        left, top = dpg.get_item_rect_min(self._drawlist)
        dpg.set_item_pos(self._empty, (left + 24, top + 2 * ROW_HEIGHT + 12))
        if size == self._size:
            return
        self._size = size
        dpg.configure_item(self._drawlist, width=size[0], height=size[1])
        if self._texture:
            dpg.delete_item(self._rows_node, children_only=True)
            dpg.delete_item(self._texture)
        # One texel line per visible row, each stretched over its row by an image
        # item: a raw texture is uploaded every frame, so it is kept small.
        lines = size[1] // ROW_HEIGHT + 2
        self._pixels = np.zeros((lines, size[0], 3), dtype=np.float32)
        self._texture = dpg.add_raw_texture(
            size[0], lines, self._pixels, format=dpg.mvFormat_Float_rgb, parent=self._textures
        )
        self._row_images, self._row_gaps = [], []
        for i in range(lines):
            self._row_images.append(
                dpg.draw_image(
                    self._texture,
                    (0, 0),
                    (size[0], ROW_HEIGHT - 1),
                    uv_min=(0, (i + 0.5) / lines),
                    uv_max=(1, (i + 0.5) / lines),
                    parent=self._rows_node,
                    show=False,
                )
            )
            self._row_gaps.append(self._backdrop((0, 0), (size[0], 1), show=False))
        # The backdrop is painted only where no row line is: under the
        # window's own background, a full-size rectangle would cost a second
        # fill of every pixel, which software rendering feels.
        self._below = self._backdrop((0, 0), size, show=True)
        self._rows_shown = 0
        self._drawn = None

    def _backdrop(
        self, pmin: tuple[float, float], pmax: tuple[float, float], *, show: bool
    ) -> int | str:
        # No outline: an anti-aliased outline costs more to render than the fill.
        item: int | str = dpg.draw_rectangle(
            pmin,
            pmax,
            color=(0, 0, 0, 0),
            fill=(*BACKGROUND, 255),
            thickness=0,
            parent=self._rows_node,
            show=show,
        )
        return item

    def prefetch(self, shared: Shared) -> tuple[str, Hashable]:
        """Ask for the result of `shared`'s selection ahead of the frame that shows it;
        the job's slot and key."""
        self._request(shared)
        return self._slot(), self.result_key(shared)

    def _slot(self) -> str:
        # Separate slots: leaving a sandwich view shows the kept flamegraph at once.
        return "flamegraph" if self.sandwich_of is None else "sandwich"

    def _request(self, shared: Shared) -> Outcome[FlameData] | None:
        profiles, selection, change = shared.profiles, shared.selection, shared.change
        function, baseline, icicle = self.sandwich_of, self.baseline, self.icicle
        min_share, zoom = self._detail()
        cut = self._cut

        def compute() -> FlameData:
            data = build()
            return data if icicle else replace(data, flat=flipped(data.flat))

        def build() -> FlameData:
            profile = profiles.get(selection, change)
            if function is None and baseline is not None:
                diff = diff_flamegraph_table(profile, profiles.get(baseline, change))
                return FlameData(diff, flatten(diff.table))
            if function is None:
                graph = cut.graph(profile, min_share, zoom)
                filtered = bool(selection.include or selection.exclude)
                table = graph.table
                empty = not len(table) or not table.weight[0]
                reason = empty_reason(selection.kinds, filtered=filtered) if empty else ""
                return FlameData(graph, flatten(table), filtered, reason)
            view = sandwich(profile, function)
            parts = [(table_of_tree(view.callees), 1), (table_of_tree(view.callers), -1)]
            return FlameData(view, flatten_parts(parts))

        return shared.work.request(self._slot(), self.result_key(shared), compute)

    def _fetch(self, shared: Shared) -> None:
        outcome = self._request(shared)
        if outcome is None or outcome.key == self._key:
            return
        self._key = outcome.key
        self._error = outcome.error
        if outcome.value is None:
            dpg.set_value(self._status, outcome.error or "")
            return
        self.data = outcome.value
        self.view = flame_view.follow(self.view, self.data.flat)
        if self._to_bottom:
            # A flame's root is its bottom row: start there, as an icicle starts at its root.
            self._to_bottom = False
            bottom = content_height(self.data.flat, ROW_HEIGHT) - self._size[1]
            self.view = replace(self.view, top=max(bottom, 0))
        if self._center_sandwich and isinstance(self.data.result, Sandwich):
            # Callers stack up above the function: scroll so it sits a third down.
            self._center_sandwich = False
            top = row_top(self.data.flat, 0, ROW_HEIGHT) - self._size[1] // 3
            self.view = replace(self.view, top=max(top, 0))
        self._matches_for = None

    def _read_filter(self) -> None:
        text = str(dpg.get_value(self._filter))
        if text != self.filter_text:
            self.filter_text = text
            self.match_cursor = -1
            self._matches_for = None
        if self.data is None:
            return
        signature = (id(self.data.flat), self.filter_text)
        if self._matches_for != signature:
            self._matches_for = signature
            self._matches = matches(self.data.flat, self.filter_text)
        dpg.set_value(self._counter, self.counter_text())

    def counter_text(self) -> str:
        if len(self.filter_text.strip()) < 3:
            return ""
        if not len(self._matches):
            return "No matches"
        return f"{self.match_cursor + 1 if self.match_cursor >= 0 else 0}/{len(self._matches)}"

    @property
    def highlight(self) -> npt.NDArray[np.int64] | None:
        return self._matches if len(self.filter_text.strip()) >= 3 else None

    # -- input -----------------------------------------------------------

    def _mouse(self) -> tuple[float, float]:
        mx, my = dpg.get_mouse_pos(local=False)
        ox, oy = dpg.get_item_rect_min(self._drawlist)
        return mx - ox, my - oy

    def _node_at(self, x: float, y: float) -> int | None:
        assert self.data is not None
        flat = self.data.flat
        return hit(
            flat,
            row_at(flat, self.view, y, ROW_HEIGHT),
            position_at(flat, self.view, x, self._size[0]),
        )

    def _handle_input(self, shared: Shared) -> None:
        filter_active = bool(dpg.is_item_active(self._filter))
        ctrl = dpg.is_key_down(dpg.mvKey_LControl) or dpg.is_key_down(dpg.mvKey_RControl)
        shift = _shift_down()
        enter = dpg.is_key_pressed(dpg.mvKey_Return) or dpg.is_key_pressed(dpg.mvKey_NumPadEnter)
        if enter and (filter_active or self._filter_was_active) and self.highlight is not None:
            self.step_match(-1 if shift else 1)
        self._filter_was_active = filter_active
        if not filter_active:
            self._handle_keys(ctrl)
        if dpg.is_item_hovered(self._drawlist):
            self._handle_mouse(shared, ctrl)
            self._right_click(shared)
        else:
            self._drag_last = None

    def _handle_keys(self, ctrl: bool) -> None:
        width = self._size[0]
        moves = {
            dpg.mvKey_H: (-PAN_STEP_PX, 0.0),
            dpg.mvKey_Left: (-PAN_STEP_PX, 0.0),
            dpg.mvKey_L: (PAN_STEP_PX, 0.0),
            dpg.mvKey_Right: (PAN_STEP_PX, 0.0),
            dpg.mvKey_J: (0.0, ROW_HEIGHT),
            dpg.mvKey_K: (0.0, -ROW_HEIGHT),
        }
        for key, (dx, dy) in moves.items():
            if dpg.is_key_pressed(key):
                self.view = flame_view.pan(self.view, dx, dy, width)
        if dpg.is_key_pressed(dpg.mvKey_Up):
            self.view = (
                flame_view.zoom_at(self.view, KEY_ZOOM, 0.5)
                if ctrl
                else flame_view.pan(self.view, 0, -ROW_HEIGHT, width)
            )
        if dpg.is_key_pressed(dpg.mvKey_Down):
            self.view = (
                flame_view.zoom_at(self.view, 1 / KEY_ZOOM, 0.5)
                if ctrl
                else flame_view.pan(self.view, 0, ROW_HEIGHT, width)
            )
        if dpg.is_key_pressed(dpg.mvKey_Escape):
            self.reset()

    def _handle_mouse(self, shared: Shared, ctrl: bool) -> None:
        x, y = self._mouse()
        width = self._size[0]
        if shared.wheel:
            if ctrl:
                factor = WHEEL_ZOOM**shared.wheel
                self.view = flame_view.zoom_at(self.view, factor, x / max(width, 1))
            else:
                self.view = flame_view.pan(self.view, 0, -shared.wheel * WHEEL_SCROLL_PX, width)
        if self._double_clicks.seen():
            # Reported on the second press, with the button still down: the
            # release that follows is no click.
            self._drag_last, self._double_clicked = None, True
            self.reset()
            return
        if dpg.is_mouse_button_down(dpg.mvMouseButton_Left):
            if self._double_clicked:
                return
            if self._drag_last is None:
                self._drag_last, self._dragged = (x, y), False
            dx, dy = x - self._drag_last[0], y - self._drag_last[1]
            if self._dragged or abs(dx) + abs(dy) >= DRAG_THRESHOLD_PX:
                self._dragged = True
                self.view = flame_view.pan(self.view, -dx, -dy, width)
                self._drag_last = (x, y)
            return
        if self._drag_last is not None and not self._dragged:
            self._click(shared, x, y, ctrl)
        self._drag_last, self._double_clicked = None, False

    def _right_click(self, shared: Shared) -> None:
        """The samples behind the box under the pointer: its thread and path of frames."""
        if self.data is None or isinstance(self.data.result, Sandwich):
            return
        if not dpg.is_mouse_button_clicked(dpg.mvMouseButton_Right):
            return
        index = self._node_at(*self._mouse())
        path = self.data.flat.path(index)[1:] if index is not None else ()
        if path:
            shared.request_samples = FrameTarget(path=(path[0].removeprefix("thread:"), *path[1:]))

    def _click(self, shared: Shared, x: float, y: float, ctrl: bool) -> None:
        assert self.data is not None
        index = self._node_at(x, y)
        if index is None:
            return
        node = self.data.flat.table.node(index)
        if ctrl and node.kind is not None:
            self.open_sandwich(node.function or node.label)
            return
        if _alt_down() and node.kind is not None and node.file:
            shared.request_source = node.function or node.label
            return
        if _shift_down() and node.kind is not None:
            self.focus_on(shared, node.function or node.label)
            return
        self.view = flame_view.zoom_to(self.data.flat, index, self.view)

    # -- actions (also used by the shell's state dump) -------------------

    def reset(self) -> None:
        """Double-click or Escape: the whole graph again, or back from a sandwich view."""
        if self.sandwich_of is not None:
            self.leave_sandwich()
        else:
            self.view = FlameView()

    def open_sandwich(self, function: str) -> None:
        self.sandwich_of = function
        self.view = FlameView()
        self._center_sandwich = True

    def leave_sandwich(self) -> None:
        self.sandwich_of = None
        self.view = FlameView()

    def step_match(self, direction: int) -> None:
        """Jump to the next (1) or previous (-1) match and zoom so it is readable."""
        if self.data is None or not len(self._matches):
            return
        self.match_cursor = (self.match_cursor + direction) % len(self._matches)
        index = int(self._matches[self.match_cursor])
        flat = self.data.flat
        view = flame_view.zoom_to(flat, index, self.view)
        top = row_top(flat, int(flat.table.depth[index]), ROW_HEIGHT)
        self.view = flame_view.reveal_row(view, top, ROW_HEIGHT, self._size[1])

    # -- drawing ---------------------------------------------------------

    def _redraw(self, shared: Shared) -> None:
        if self.data is None:
            return
        flat = self.data.flat
        width, height = self._size
        self.view = flame_view.clamp(self.view, content_height(flat, ROW_HEIGHT), height)
        highlight = self.highlight
        signature = (
            self._key,
            self.view,
            self._size,
            id(highlight) if highlight is not None else 0,
        )
        if signature == self._drawn:
            return
        self._drawn = signature
        geometry = Geometry(width, height, ROW_HEIGHT, shared.fonts.frame_char_width)
        self.root_text = self._root_text()
        boxes = layout(flat, self.view, geometry, highlight, self.root_text)
        self.drawn_boxes = len(boxes)
        painted = row_lines(boxes, width, out=self._pixels)
        self._place_rows(painted.tops.tolist(), width, height)
        self._place_labels(boxes.labels)
        focus = shared.selection.shape.focus
        dpg.configure_item(self._focus_button, show=focus is not None)
        status = f"Focused on {focus}" if focus is not None else ""
        if isinstance(self.data.result, Sandwich):
            status = (
                f"Sandwich view of {self.data.result.function} (Escape or double-click returns)"
            )
        dpg.set_value(self._status, status)
        self._show_empty(self.data.empty)

    def _show_empty(self, reason: str) -> None:
        """The reason an empty graph is empty, over its drawing area (placed by `_place`)."""
        dpg.configure_item(self._empty, show=bool(reason))
        dpg.set_value(self._empty, reason)

    def _root_text(self) -> str:
        assert self.data is not None
        flat = self.data.flat
        if isinstance(self.data.result, Sandwich) or not len(flat):
            return flat.label(0) if len(flat) else ""
        focus = flat.find_path(self.view.focus) if self.view.focus is not None else None
        return flame_view.root_text(
            flat.label(0),
            self.view,
            filtered=self.data.filtered,
            focus_label=flat.label(focus) if focus is not None else None,
        )

    def _place_rows(self, tops: list[int], width: int, height: int) -> None:
        """Row lines where the rows are, a backdrop line under each and below the last."""
        band = ROW_HEIGHT - 1
        shown = len(tops)
        for i in range(max(shown, self._rows_shown)):
            image, gap = self._row_images[i], self._row_gaps[i]
            if i < shown:
                top = tops[i]
                dpg.configure_item(image, pmin=(0, top), pmax=(width, top + band), show=True)
                dpg.configure_item(
                    gap, pmin=(0, top + band), pmax=(width, top + ROW_HEIGHT), show=True
                )
            else:
                dpg.configure_item(image, show=False)
                dpg.configure_item(gap, show=False)
        self._rows_shown = shown
        bottom = tops[-1] + ROW_HEIGHT if tops else 0
        dpg.configure_item(
            self._below, pmin=(0, bottom), pmax=(width, height), show=bottom < height
        )

    def _place_labels(self, labels: tuple[Label, ...]) -> None:
        """Text items are kept and moved, not made anew: only the surplus is hidden."""
        text_dy = (ROW_HEIGHT - 1 - FRAME_FONT_SIZE) / 2
        while len(self._label_items) < len(labels):
            self._label_items.append(
                dpg.draw_text((0, 0), "", size=FRAME_FONT_SIZE, parent=self._labels, show=False)
            )
        for item, label in zip(self._label_items, labels, strict=False):
            dpg.configure_item(
                item,
                pos=(label.x, label.y + text_dy),
                text=label.text,
                color=(*label.colour, 255),
                show=True,
            )
        for item in self._label_items[len(labels) : self._labels_shown]:
            dpg.configure_item(item, show=False)
        self._labels_shown = len(labels)

    def _update_tooltip(self, shared: Shared) -> None:
        hovered = (
            self.data is not None and dpg.is_item_hovered(self._drawlist) and not shared.capturing
        )
        index = self._node_at(*self._mouse()) if hovered else None
        if index is None or self.data is None or dpg.is_mouse_button_down(dpg.mvMouseButton_Left):
            dpg.configure_item(self._tooltip, show=False)
            return
        mx, my = dpg.get_mouse_pos(local=False)
        dpg.configure_item(self._tooltip, show=True, pos=(mx + 16, my + 16))
        flat = self.data.flat
        lines = tooltip(
            flat.table.node(index), int(flat.total), self.data.unit, dev_mode=shared.dev_mode
        )
        dpg.set_value(self._tooltip_text, "\n".join(lines))

    def _grew(self) -> list[str]:
        """Labels of the boxes whose share grew most (differential view), for automation."""
        flat = self.data.flat if self.data is not None else None
        if flat is None or flat.table.change is None:
            return []
        order = np.argsort(-flat.table.change, kind="stable")[:5]
        return [flat.label(int(i)) for i in order if flat.table.change[i] > 0]

    def state(self) -> dict[str, object]:
        """What automation checks: zoom, filter counter, sandwich."""
        return {
            "x0": self.view.x0,
            "x1": self.view.x1,
            "top": self.view.top,
            "filter": self.filter_text,
            "counter": self.counter_text(),
            "sandwich": self.sandwich_of,
            "root": self.root_text,
            "empty": self.data.empty if self.data else "",
            "nodes": len(self.data.flat) if self.data else 0,
            "total": int(self.data.flat.total) if self.data else 0,
            "area": [*dpg.get_item_rect_min(self._drawlist), *self._size],
            "filter_at": drawn_at(self._filter),
            "baseline": [self.baseline.start_ns, self.baseline.end_ns] if self.baseline else None,
            "baseline_at": drawn_at(self._baseline_button),
            "diff_grew": self._grew(),
            "icicle": self.icicle,
            "status": str(dpg.get_value(self._status)),
            "icicle_at": drawn_at(self._icicle_box),
            "merge_at": drawn_at(self._merge),
            "focus_button_at": drawn_at(self._focus_button),
            "rows": [self.data.flat.min_depth, self.data.flat.max_depth] if self.data else [],
            **self.export.state(),
        }


def baseline_text(selection: Selection) -> str:
    """The pinned range (UTC) and its filters, as the baseline line says them."""
    start = clock(selection.start_ns)[:19].replace("T", " ")
    seconds = (selection.end_ns - selection.start_ns) / 1e9
    filters = [f"{k}={v}" for k, v in selection.include] + [
        f"!{k}={v}" for k, v in selection.exclude
    ]
    return f"{seconds:.0f} s from {start}" + (f" ({', '.join(filters)})" if filters else "")


def _alt_down() -> bool:
    return bool(dpg.is_key_down(dpg.mvKey_LAlt) or dpg.is_key_down(dpg.mvKey_RAlt))


def _shift_down() -> bool:
    return bool(dpg.is_key_down(dpg.mvKey_LShift) or dpg.is_key_down(dpg.mvKey_RShift))
