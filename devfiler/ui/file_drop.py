"""Files dropped onto the window, through GLFW's drop callback.

Dear PyGui has no API for files dropped from the desktop, but it links GLFW
statically and exports its C functions, and GLFW receives drops on every
platform it supports (XDND on X11, Wayland data offers, Cocoa, Win32). So
the window asks its own GLFW for drops with `glfwSetDropCallback` through
ctypes. GLFW calls back while Dear PyGui polls events, inside
`render_dearpygui_frame` on the UI thread; the paths wait here until the
shell takes them at the start of its next frame. Where the Dear PyGui build
does not export GLFW (its symbols hidden), `install` returns None and files
are added with the file dialog only.
"""

from __future__ import annotations

import ctypes
import logging
from pathlib import Path

from devfiler.ui import glfw as glfw_library

_log = logging.getLogger(__name__)

_DROP_CALLBACK = ctypes.CFUNCTYPE(
    None, ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)
)


class FileDrop:
    """Collects dropped paths; keep the object alive as long as the window."""

    def __init__(self) -> None:
        self._paths: list[Path] = []
        self._callback = _DROP_CALLBACK(self._dropped)

    @classmethod
    def install(cls) -> FileDrop | None:
        """Hook the current GLFW window (call after show_viewport); None when impossible."""
        glfw = glfw_library.library()
        if glfw is None:
            _log.info("dropping files onto the window is not available here")
            return None
        current = glfw.glfwGetCurrentContext
        set_drop = glfw.glfwSetDropCallback
        current.restype = ctypes.c_void_p
        current.argtypes = []
        set_drop.restype = ctypes.c_void_p
        set_drop.argtypes = [ctypes.c_void_p, _DROP_CALLBACK]
        window = current()
        if not window:
            _log.info("dropping files onto the window is not available: no GLFW window")
            return None
        drop = cls()
        set_drop(window, drop._callback)
        return drop

    def _dropped(
        self, window: int | None, count: int, paths: ctypes.Array[ctypes.c_char_p]
    ) -> None:
        for index in range(count):
            raw = paths[index]
            if raw:
                self._paths.append(Path(raw.decode("utf-8", "surrogateescape")))

    def take(self) -> list[Path]:
        """Paths dropped since the last call."""
        taken, self._paths = self._paths, []
        return taken
