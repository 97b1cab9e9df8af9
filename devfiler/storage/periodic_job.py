"""A thread that runs one job on the store at a fixed interval until it is stopped.

Retention and summaries are such jobs: they live in the process that owns
the store, start after it opens and must be stopped before it closes; a
stop waits for the pass being run, so the store never closes under one.
"""

from __future__ import annotations

import threading

from devfiler.storage.store import Store


class PeriodicJob:
    """Subclasses give `run_once(store)`; it runs as the thread starts, then every
    `interval_s` seconds. `_stop` is set once stopping: long passes may watch it."""

    def __init__(self, name: str, interval_s: float) -> None:
        self._name = name
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, store: Store) -> object:
        raise NotImplementedError

    def start(self, store: Store) -> None:
        self._thread = threading.Thread(
            target=self._loop, args=(store,), name=self._name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Returns once a pass that is running has finished; the store can close then."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _loop(self, store: Store) -> None:
        while not self._stop.is_set():
            self.run_once(store)
            self._stop.wait(self._interval_s)
