"""Background work: results computed in a worker pool, keyed by their inputs.

Each view asks for its result every frame with the key of what it shows
(selection, view options, store change counter). A new key starts one job;
until it finishes, the view keeps the last finished result, so the window
never blanks or flickers while data streams in. A slot runs one job at a
time: keys asked for meanwhile collapse into the newest, which starts when
the running job ends (its result is still shown, being newer than the last).
Only the UI thread calls `request`; workers never touch Dear PyGui.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """The last finished result of a slot and the key it was computed for."""

    key: Hashable
    value: T | None
    error: str | None = None


class _Slot:
    __slots__ = ("done", "running", "wanted")

    def __init__(self) -> None:
        self.done: Outcome[Any] | None = None
        self.running: Hashable | None = None
        self.wanted: tuple[Hashable, Callable[[], Any]] | None = None


class Background:
    """Named slots of background results over one thread pool."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="devfiler-work")
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()
        self._wakeup = threading.Event()
        self._between_frames = threading.Event()
        self._between_frames.set()
        self._closed = False
        self.on_done: Callable[[], None] | None = None
        """Called on the worker thread after each job (the window wakes up to show it)."""

    def request(self, slot: str, key: Hashable, compute: Callable[[], T]) -> Outcome[T] | None:
        """The last finished result of `slot`; computes `key` when it is new.

        Returns None until the slot's first job finishes.
        """
        with self._lock:
            state = self._slots.setdefault(slot, _Slot())
            known = state.done.key if state.done is not None else None
            if key in (known, state.running):
                state.wanted = None
            elif state.running is not None:
                state.wanted = (key, compute)
            else:
                self._start(slot, state, key, compute)
            return state.done

    def _start(self, slot: str, state: _Slot, key: Hashable, compute: Callable[[], Any]) -> None:
        if self._closed:
            return
        state.running, state.wanted = key, None
        self._pool.submit(self._run, slot, key, compute)

    def last(self, slot: str) -> Outcome[Any] | None:
        """The slot's last finished result, without asking for anything."""
        with self._lock:
            state = self._slots.get(slot)
            return state.done if state is not None else None

    def ready(self, slot: str, key: Hashable) -> bool:
        """Whether the slot holds the result for exactly this key (screenshots wait for it)."""
        with self._lock:
            state = self._slots.get(slot)
            return state is not None and state.done is not None and state.done.key == key

    def busy(self) -> bool:
        with self._lock:
            return any(s.running is not None for s in self._slots.values())

    def wait_ready(self, jobs: Sequence[tuple[str, Hashable]], timeout: float) -> bool:
        """Sleep until each (slot, key) has its result (or timeout); True when all do.
        Other jobs, however long, are not waited for."""
        deadline = time.monotonic() + timeout
        while not all(self.ready(slot, key) for slot, key in jobs):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.wait(left)
        return True

    def wait(self, timeout: float) -> bool:
        """Sleep until some job finishes (or timeout); True when one did."""
        finished = self._wakeup.wait(timeout)
        self._wakeup.clear()
        return finished

    @contextmanager
    def frame(self) -> Iterator[None]:
        """Jobs asked for while a frame is made and drawn start once it is drawn.

        A software renderer's threads draw on the same cores: a job running
        beside them was measured to cost about a third more CPU (they share
        the caches), and the frame it would hurry is mostly the frame that
        asked for it.
        """
        self._between_frames.clear()
        try:
            yield
        finally:
            self._between_frames.set()

    def _run(self, slot: str, key: Hashable, compute: Callable[[], Any]) -> None:
        self._between_frames.wait()
        try:
            outcome: Outcome[Any] = Outcome(key, compute())
        except Exception as error:
            _log.exception("computing %s failed", slot)
            outcome = Outcome(key, None, f"{type(error).__name__}: {error}")
        with self._lock:
            state = self._slots[slot]
            state.done, state.running = outcome, None
            if state.wanted is not None:
                self._start(slot, state, *state.wanted)
        self._wakeup.set()
        if self.on_done is not None:
            self.on_done()

    def close(self) -> None:
        """Stop accepting work; running jobs finish, queued ones are dropped."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
