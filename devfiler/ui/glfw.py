"""Dear PyGui's own GLFW, reached through ctypes for what Dear PyGui does not expose.

Dear PyGui links GLFW statically and exports its C functions, so the window
can ask GLFW itself for dropped files and sleep in GLFW until an event
arrives. Where a Dear PyGui build hides those symbols, `library` returns
None and the callers fall back (no drops; a window that redraws steadily).
"""

from __future__ import annotations

import ctypes
import logging

import dearpygui._dearpygui as dpg_native

_log = logging.getLogger(__name__)


def library() -> ctypes.CDLL | None:
    """The GLFW functions inside Dear PyGui's module, or None where they are hidden."""
    try:
        glfw = ctypes.CDLL(dpg_native.__file__)
        glfw.glfwGetCurrentContext  # noqa: B018 - a missing symbol raises here, not later
    except (OSError, AttributeError) as error:
        _log.info("GLFW is not reachable in this Dear PyGui build: %s", error)
        return None
    return glfw
