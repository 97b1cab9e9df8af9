"""Counting the input events GLFW hands to Dear PyGui, so no queued input waits for a tick.

Dear PyGui (ImGui) takes queued input a little per frame: one typed
character, one change of a mouse button, per frame, so that fast input
reads the same as slow input. A window that sleeps between frames must
therefore keep drawing until the queue is drained, or the rest of a typed
word shows only on later ticks. The counter sits in front of ImGui's own
GLFW callbacks (it calls them on) and counts the events that each need a
frame of their own: key presses and repeats, mouse button changes, wheel
steps. Character events come with their key press and are not counted again.

While a widget is active (a text field being edited), the key events of
plain printable keys are not passed on: their characters arrive as
character events, which is all a text field reads, and without the key
changes in between ImGui takes a whole typed word in one frame instead of a
letter per frame. Keys with Ctrl, Alt or Super and the named keys (Enter,
Backspace, arrows, Escape) always pass.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import Any

_KEY = ctypes.CFUNCTYPE(
    None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int
)
_BUTTON = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int)
_SCROLL = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_double, ctypes.c_double)
_RELEASE = 0
_PRESS = 1
_LEFT = 0
_PRINTABLE = range(32, 256)
"""GLFW key codes of printable keys (space up to the "world" keys); named keys come after."""
_TEXT_MODS = 0x01 | 0x10 | 0x20
"""Shift, Caps Lock and Num Lock: modifiers that still type a character."""


class InputEvents:
    """Input events since the last `take`; keep the object alive as long as the window."""

    def __init__(
        self,
        typing: Callable[[], bool] | None = None,
        left_pressed: Callable[[], None] | None = None,
    ) -> None:
        self._typing = typing
        self._left_pressed = left_pressed
        self._swallowed: set[int] = set()
        self._count = 0
        self._lock = threading.Lock()
        self._next_key: Callable[..., None] | None = None
        self._next_button: Callable[..., None] | None = None
        self._next_scroll: Callable[..., None] | None = None
        self._callbacks = (_KEY(self._key), _BUTTON(self._button), _SCROLL(self._scroll))

    @classmethod
    def install(
        cls, glfw: ctypes.CDLL, left_pressed: Callable[[], None] | None = None
    ) -> InputEvents | None:
        """Count the current GLFW window's input (after show_viewport); None without a window.

        `left_pressed` is told of every left button press as it arrives."""
        current = glfw.glfwGetCurrentContext
        current.restype = ctypes.c_void_p
        current.argtypes = []
        window = current()
        if not window:
            return None
        events = cls(_any_item_active(glfw), left_pressed)
        key, button, scroll = events._callbacks
        events._next_key = _chain(glfw.glfwSetKeyCallback, window, key, _KEY)
        events._next_button = _chain(glfw.glfwSetMouseButtonCallback, window, button, _BUTTON)
        events._next_scroll = _chain(glfw.glfwSetScrollCallback, window, scroll, _SCROLL)
        return events

    def take(self) -> int:
        """Events counted since the last call."""
        with self._lock:
            count, self._count = self._count, 0
        return count

    def _add(self) -> None:
        with self._lock:
            self._count += 1

    def _key(self, window: int | None, key: int, scancode: int, action: int, mods: int) -> None:
        if action != _RELEASE:
            self._add()
        if action == _RELEASE and key in self._swallowed:
            self._swallowed.discard(key)
            return
        typed = key in _PRINTABLE and not mods & ~_TEXT_MODS
        if action != _RELEASE and typed and self._typing is not None and self._typing():
            self._swallowed.add(key)
            return
        if self._next_key is not None:
            self._next_key(window, key, scancode, action, mods)

    def _button(self, window: int | None, button: int, action: int, mods: int) -> None:
        if button == _LEFT and action == _PRESS and self._left_pressed is not None:
            self._left_pressed()
        if self._next_button is not None:
            self._next_button(window, button, action, mods)
        self._add()

    def _scroll(self, window: int | None, dx: float, dy: float) -> None:
        if self._next_scroll is not None:
            self._next_scroll(window, dx, dy)
        self._add()


def _any_item_active(library: ctypes.CDLL) -> Callable[[], bool] | None:
    """ImGui's IsAnyItemActive from the same library (a C++ name), or None where it is hidden."""
    try:
        function = library._ZN5ImGui15IsAnyItemActiveEv
    except AttributeError:
        return None
    function.restype = ctypes.c_bool
    function.argtypes = []
    return lambda: bool(function())


def _chain(setter: Any, window: int, ours: object, kind: Any) -> Callable[..., None] | None:
    """Install `ours`; the callback it replaced (ImGui's), to be called on, or None."""
    setter.restype = ctypes.c_void_p
    setter.argtypes = [ctypes.c_void_p, kind]
    previous = setter(window, ours)
    return kind(previous) if previous else None
