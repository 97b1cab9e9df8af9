"""Double-clicks that survive slow frames.

ImGui's own test (0.3 s) measures between the frames that took the two
presses, and it takes a press and its release in separate frames: on a
loaded machine, or under software rendering, a quick double-click reads as
two clicks. This test is looser in time (0.5 s, as desktops use) and is
asked once per frame, on the frame ImGui reports a press.
"""

from __future__ import annotations

import time

import dearpygui.dearpygui as dpg

DOUBLE_CLICK_SECONDS = 0.5
DOUBLE_CLICK_PIXELS = 8.0


class DoubleClicks:
    def __init__(self) -> None:
        self._pressed = (float("-inf"), 0.0, 0.0)

    def seen(self) -> bool:
        """Whether this frame's left press is the second of a double-click (call every frame)."""
        if not dpg.is_mouse_button_clicked(dpg.mvMouseButton_Left):
            return False
        x, y = (float(v) for v in dpg.get_mouse_pos(local=False))
        now = time.monotonic()
        last_at, last_x, last_y = self._pressed
        near = abs(x - last_x) + abs(y - last_y) < DOUBLE_CLICK_PIXELS
        double = now - last_at <= DOUBLE_CLICK_SECONDS and near
        self._pressed = (float("-inf"), x, y) if double else (now, x, y)
        return double or bool(dpg.is_mouse_button_double_clicked(dpg.mvMouseButton_Left))
