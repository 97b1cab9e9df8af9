"""Background work: results computed in a worker pool, keyed by their inputs.

Each view asks for its result every frame with the key of what it shows
(selection, view options, store change counter). A new key submits one job;
until it finishes, the view keeps the last finished result, so the window
never blanks or flickers while data streams in. Jobs for keys that were
overtaken meanwhile are dropped when they finish. Only the UI thread calls
`request`; workers never touch Dear PyGui.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
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
    __slots__ = ("done", "pending_key")

    def __init__(self) -> None:
        self.done: Outcome[Any] | None = None
        self.pending_key: Hashable | None = None


class Background:
    """Named slots of background results over one thread pool."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="devfiler-work")
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()
        self._wakeup = threading.Event()

    def request(self, slot: str, key: Hashable, compute: Callable[[], T]) -> Outcome[T] | None:
        """The last finished result of `slot`; starts `compute` when `key` is new.

        Returns None until the slot's first job finishes.
        """
        with self._lock:
            state = self._slots.setdefault(slot, _Slot())
            known = state.done.key if state.done is not None else None
            if key not in (known, state.pending_key):
                state.pending_key = key
                self._pool.submit(self._run, slot, key, compute)
            return state.done

    def ready(self, slot: str, key: Hashable) -> bool:
        """Whether the slot holds the result for exactly this key (screenshots wait for it)."""
        with self._lock:
            state = self._slots.get(slot)
            return state is not None and state.done is not None and state.done.key == key

    def busy(self) -> bool:
        with self._lock:
            return any(s.pending_key is not None for s in self._slots.values())

    def wait(self, timeout: float) -> bool:
        """Sleep until some job finishes (or timeout); True when one did."""
        finished = self._wakeup.wait(timeout)
        self._wakeup.clear()
        return finished

    def _run(self, slot: str, key: Hashable, compute: Callable[[], T]) -> None:
        try:
            outcome: Outcome[T] = Outcome(key, compute())
        except Exception as error:
            _log.exception("computing %s failed", slot)
            outcome = Outcome(key, None, f"{type(error).__name__}: {error}")
        with self._lock:
            state = self._slots[slot]
            if state.pending_key == key:
                state.done = outcome
                state.pending_key = None
        self._wakeup.set()

    def close(self) -> None:
        """Stop accepting work; running jobs finish, queued ones are dropped."""
        self._pool.shutdown(wait=True, cancel_futures=True)
