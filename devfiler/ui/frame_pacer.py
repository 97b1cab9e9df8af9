"""When the window draws its next frame: at once while something happens, else later.

Drawing a frame costs a software-rendered window tens of milliseconds, so a
window that redraws 60 times a second while nothing changes takes most of a
core on the host it profiles. The pacer sleeps inside GLFW
(`glfwWaitEventsTimeout`) until input arrives, a background result lands
(workers post an empty GLFW event) or the next tick the shell asks for (the
store's change poll, a following time axis, a settling timeline drag).
After input it keeps drawing at full rate: a frame for every counted input
event (Dear PyGui hands queued key presses and button changes to widgets
one per frame), and for a moment after any event, as hovers, clicks and
double-clicks take a frame or two to show. Without GLFW the window draws
steadily at the frame rate cap, as before.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable

from devfiler.ui.input_events import InputEvents

FRAME_SECONDS = 1 / 60
"""Fastest frame rate while the user acts."""
ACTIVE_SECONDS = 0.3
"""How long frames keep coming at full rate after the last input event."""
RESULT_FRAMES = 1
"""Frames drawn after a background result lands: the frame that takes it also shows it."""
GATHER_SECONDS = 0.1
"""How long a result waits for the other running jobs, so that one frame shows them all."""


class GlfwEvents:
    """Sleeping until a GLFW event, and waking that sleep from another thread."""

    def __init__(self, glfw: ctypes.CDLL) -> None:
        self._wait = glfw.glfwWaitEventsTimeout
        self._wait.argtypes = [ctypes.c_double]
        self._wait.restype = None
        self._post = glfw.glfwPostEmptyEvent
        self._post.argtypes = []
        self._post.restype = None

    def wait(self, timeout: float) -> None:
        """Process events, sleeping up to `timeout` seconds for the first one (GIL released)."""
        self._wait(max(timeout, 0.0))

    def post(self) -> None:
        """Wake a `wait` in progress (GLFW allows this from any thread)."""
        self._post()


class FramePacer:
    """Decides, after each frame, how long the loop sleeps before the next."""

    def __init__(
        self,
        events: GlfwEvents | None,
        running: Callable[[], bool],
        inputs: InputEvents | None = None,
    ) -> None:
        self._events = events
        self._running = running
        self._inputs = inputs
        self._results = threading.Event()
        self._active_until = 0.0
        self._owed = 0
        self.always = events is None
        """Draw every frame at the cap (no GLFW to wait in, or a screenshot in progress)."""

    def result_landed(self) -> None:
        """A background result is ready (called from worker threads)."""
        self._results.set()
        if self._events is not None:
            self._events.post()

    def idle(self) -> bool:
        """Nobody is using the window: no input for a moment, nothing owed, no screenshot."""
        return not self.always and self._owed == 0 and time.monotonic() >= self._active_until

    def results_shown(self) -> None:
        """The results that landed so far are shown by the frame about to be drawn: they
        owe no frame of their own, and the wake-ups they posted are taken now."""
        self._results.clear()
        if self._events is not None:
            self._events.wait(0.0)
        self._count_inputs()

    def input_seen(self) -> None:
        """Keep drawing at full rate for a moment (the user just acted)."""
        self._active_until = time.monotonic() + ACTIVE_SECONDS

    def wait(self, began: float, next_tick: float) -> None:
        """Sleep after a frame that began at `began`, at most until `next_tick` (monotonic)."""
        if self._results.is_set():
            # A result that landed while the frame was drawn waits for the jobs
            # still running too, as one that wakes the loop does.
            quiet = self._events is not None and time.monotonic() >= self._active_until
            if quiet and not self.always and self._running():
                self._gather()
            self._results.clear()
            self._owed = max(self._owed, RESULT_FRAMES)
        self._count_inputs()
        now = time.monotonic()
        busy = self.always or self._owed > 0 or now < self._active_until
        self._owed = max(self._owed - 1, 0)
        deadline = began + FRAME_SECONDS if busy else max(next_tick, began + FRAME_SECONDS)
        if self._events is None:
            self._results.wait(max(deadline - now, 0.0))
            return
        self._events.wait(deadline - now)
        self._count_inputs()
        if self._results.is_set():
            if not busy:
                self._gather()
        elif time.monotonic() < deadline - 0.001:
            # Woken before the deadline with no result waiting: an input event.
            self.input_seen()

    def _count_inputs(self) -> None:
        counted = self._inputs.take() if self._inputs is not None else 0
        if counted:
            self._owed += counted
            self.input_seen()

    def _gather(self) -> None:
        """Wait a moment for the jobs still running, as a tick usually starts several."""
        assert self._events is not None
        until = time.monotonic() + GATHER_SECONDS
        while self._running() and time.monotonic() < until:
            self._results.clear()
            self._events.wait(until - time.monotonic())
            if not self._results.is_set() and time.monotonic() < until - 0.001:
                self.input_seen()
                break
        self._results.set()
