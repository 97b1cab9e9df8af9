"""The timeline strip: weight over time, and the range selection every tab uses.

Dragging or zooming the plot horizontally picks the range (and stops the
view from following the present); the shell hands the new range to every
tab once the plot has been still for a moment, so a drag does not start a
query per frame. The plot pans only on frames that see the button held, so
a quick drag whose moves and release reach one frame would be lost: the
strip finishes such a drag itself, from where it began and ended.
"""

from __future__ import annotations

import time
from collections.abc import Hashable

import dearpygui.dearpygui as dpg

from devfiler.analysis.results import Timeline, Unit
from devfiler.ui.background import Outcome
from devfiler.ui.drawn import drawn_at
from devfiler.ui.formatting import duration_scale
from devfiler.ui.tabs import Shared
from devfiler.ui.time_range import NS, TimeRange, time_ticks

HEIGHT = 100
SETTLE_SECONDS = 0.3
"""How long the plot must stay still before its range becomes the selection."""
REBASE_SECONDS = 100_000
"""Plot coordinates are seconds from an origin; 32-bit floats keep 10 ms at this distance."""


class TimelineStrip:
    def __init__(self, origin_ns: int) -> None:
        self._origin_s = origin_ns // NS
        self._x_axis: int | str = 0
        self._y_axis: int | str = 0
        self._series: int | str = 0
        self._plot: int | str = 0
        self._grab: float | None = None
        """Plot x under the pointer when the button went down on the plot."""
        self._was_down = False
        self._applied: tuple[float, float] | None = None
        self._release_auto = False
        self._moved: tuple[float, float] | None = None
        self._moved_at = 0.0
        self._drawn_key: object = None
        self._ticks_for: tuple[float, float] | None = None

    def build(self, parent: int | str) -> None:
        with dpg.plot(
            parent=parent,
            height=HEIGHT,
            width=-1,
            no_menus=True,
            no_box_select=True,
            no_mouse_pos=True,
            no_title=True,
        ) as self._plot:
            self._x_axis = dpg.add_plot_axis(dpg.mvXAxis, no_gridlines=False)
            self._y_axis = dpg.add_plot_axis(dpg.mvYAxis, label="Samples", no_gridlines=True)
            self._series = dpg.add_line_series([], [], parent=self._y_axis)

    def _to_plot(self, ns: int) -> float:
        return ns / NS - self._origin_s

    def _to_ns(self, x: float) -> int:
        return int((x + self._origin_s) * NS)

    def update(self, shared: Shared, current: TimeRange, *, fetch: bool = True) -> TimeRange | None:
        """Draw the data and the range; returns a frozen range when the user moved the plot.

        Without `fetch` the data is not asked for (the window's first result comes first).
        """
        if abs(current.start_ns // NS - self._origin_s) > REBASE_SECONDS:
            # The plot reports its limits as 32-bit floats: far from the origin
            # (a file opened from another year) a range would collapse to a point.
            self._origin_s = current.start_ns // NS
            self._applied = self._moved = self._drawn_key = self._ticks_for = None
        if fetch:
            self._draw_data(shared)
        want = (self._to_plot(current.start_ns), self._to_plot(current.end_ns))
        if self._release_auto:
            dpg.set_axis_limits_auto(self._x_axis)
            self._release_auto = False
        shown = self._finish_drag(self._limits())
        self._update_ticks(shown)
        if self._applied is not None and not _close(shown, self._applied):
            if self._moved is None or not _close(shown, self._moved):
                self._moved, self._moved_at = shown, time.monotonic()
            still = time.monotonic() - self._moved_at >= SETTLE_SECONDS
            if still and not dpg.is_mouse_button_down(dpg.mvMouseButton_Left):
                self._applied, self._moved = shown, None
                return current.frozen(self._to_ns(shown[0]), self._to_ns(shown[1]))
            return None
        if self._applied is None or not _close(want, self._applied):
            dpg.set_axis_limits(self._x_axis, *want)
            self._applied = want
            self._release_auto = True
        return None

    def _limits(self) -> tuple[float, float]:
        limits = dpg.get_axis_limits(self._x_axis)
        return float(limits[0]), float(limits[1])

    def _finish_drag(self, shown: tuple[float, float]) -> tuple[float, float]:
        """The limits after the part of a drag the plot did not see, if any.

        When the button comes up, the point grabbed should be under the
        pointer again; whatever it is off by is the pan the plot missed.
        """
        down = dpg.is_mouse_button_down(dpg.mvMouseButton_Left)
        hovered = dpg.is_item_hovered(self._plot)
        if down and not self._was_down:
            self._grab = float(dpg.get_plot_mouse_pos()[0]) if hovered else None
        self._was_down = down
        if down or self._grab is None:
            return shown
        grab, self._grab = self._grab, None
        missed = grab - float(dpg.get_plot_mouse_pos()[0]) if hovered else 0.0
        if abs(missed) <= (shown[1] - shown[0]) * 1e-3:
            return shown
        moved = (shown[0] + missed, shown[1] + missed)
        dpg.set_axis_limits(self._x_axis, *moved)
        self._release_auto = True
        return moved

    def area(self) -> list[float] | None:
        """Where the plot was drawn last frame: left, top, width, height (for automation)."""
        at = drawn_at(self._plot)
        return None if at is None else [*at, *map(float, dpg.get_item_rect_size(self._plot))]

    def due(self) -> float | None:
        """When (monotonic) a moved plot will have been still long enough; None if unmoved."""
        return self._moved_at + SETTLE_SECONDS if self._moved is not None else None

    def _update_ticks(self, shown: tuple[float, float]) -> None:
        if self._ticks_for is not None and _close(shown, self._ticks_for):
            return
        self._ticks_for = shown
        ticks = time_ticks(shown[0] + self._origin_s, shown[1] + self._origin_s, self._origin_s)
        if ticks:
            dpg.set_axis_ticks(self._x_axis, ticks)

    def prefetch(self, shared: Shared) -> tuple[str, Hashable]:
        """Ask for the data of `shared`'s selection ahead of the frame that shows it; the
        job's slot and key."""
        self._request(shared)
        return "timeline", (shared.selection, shared.change)

    def _request(self, shared: Shared) -> Outcome[Timeline] | None:
        profiles, selection, change = shared.profiles, shared.selection, shared.change

        def compute() -> Timeline:
            return profiles.timeline(selection, change)

        return shared.work.request("timeline", (selection, change), compute)

    def _draw_data(self, shared: Shared) -> None:
        outcome = self._request(shared)
        if outcome is None or outcome.key == self._drawn_key or outcome.value is None:
            return
        self._drawn_key = outcome.key
        data: Timeline = outcome.value
        xs = [self._to_plot(start) for start, _ in data.buckets]
        scale, label = 1.0, "Samples"
        if data.unit is Unit.NANOSECONDS:
            scale, unit = duration_scale(max((w for _, w in data.buckets), default=0))
            label = f"Off CPU ({unit})"
        ys = [w / scale for _, w in data.buckets]
        dpg.set_value(self._series, [xs, ys])
        peak = max(ys, default=0.0)
        dpg.set_axis_limits(self._y_axis, 0.0, max(peak * 1.15, 1.0))
        dpg.configure_item(self._y_axis, label=label)

    def settled(self, shared: Shared) -> bool:
        return shared.work.ready("timeline", (shared.selection, shared.change)) and (
            self._drawn_key == (shared.selection, shared.change)
        )


def _close(a: tuple[float, float], b: tuple[float, float]) -> bool:
    tolerance = max(abs(a[1] - a[0]), 1.0) * 1e-4 + 0.01
    return abs(a[0] - b[0]) <= tolerance and abs(a[1] - b[1]) <= tolerance
