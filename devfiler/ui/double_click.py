"""Double-clicks that survive slow frames.

ImGui's own test (0.3 s) measures between the frames that took the two
presses, and it takes a press and its release in separate frames: on a
loaded machine, or under software rendering, a quick double-click reads as
two clicks. This test is looser (0.5 s, as desktops use) and, where GLFW
reports the presses (`PressClock`), it measures between the presses as they
arrived rather than between the frames that took them, so a slow frame
cannot pull a double-click apart. It is asked once per frame, on the frame
ImGui reports a press.
"""

from __future__ import annotations

import threading
import time
from collections import deque

import dearpygui.dearpygui as dpg

DOUBLE_CLICK_SECONDS = 0.5
DOUBLE_CLICK_PIXELS = 8.0
_PRESSES_KEPT = 16


class PressClock:
    """When each left press arrived, handed out one per frame that ImGui reports a press.

    ImGui passes queued button changes to the widgets one per frame, in order,
    so the n-th frame with a press takes the n-th press GLFW reported.
    """

    def __init__(self) -> None:
        self._arrived: deque[float] = deque(maxlen=_PRESSES_KEPT)
        self._lock = threading.Lock()
        self.current: float | None = None
        """Arrival time of this frame's press; None when there is none or it is unknown."""

    def pressed(self) -> None:
        """A left press arrived (called from the GLFW button callback)."""
        with self._lock:
            self._arrived.append(time.monotonic())

    def next_frame(self, clicked: bool) -> None:
        """Take this frame's press time when ImGui reports a press (`clicked`); once per frame."""
        self.current = None
        if not clicked:
            return
        with self._lock:
            if self._arrived:
                self.current = self._arrived.popleft()


PRESSES = PressClock()
"""The window's one press clock: the GLFW callback feeds it, every DoubleClicks reads it."""


class DoubleClicks:
    def __init__(self, clock: PressClock = PRESSES) -> None:
        self._clock = clock
        self._pressed = (float("-inf"), 0.0, 0.0)

    def seen(self) -> bool:
        """Whether this frame's left press is the second of a double-click (call every frame)."""
        if not dpg.is_mouse_button_clicked(dpg.mvMouseButton_Left):
            return False
        x, y = (float(v) for v in dpg.get_mouse_pos(local=False))
        at = self._clock.current if self._clock.current is not None else time.monotonic()
        double = self.press(at, x, y)
        return double or bool(dpg.is_mouse_button_double_clicked(dpg.mvMouseButton_Left))

    def press(self, at: float, x: float, y: float) -> bool:
        """Record a press at time `at` and place (x, y): whether it completes a double-click."""
        last_at, last_x, last_y = self._pressed
        near = abs(x - last_x) + abs(y - last_y) < DOUBLE_CLICK_PIXELS
        double = at - last_at <= DOUBLE_CLICK_SECONDS and near
        self._pressed = (float("-inf"), x, y) if double else (at, x, y)
        return double
