"""The background worker that symbolizes every executable the agent reports, unasked.

A scheduler thread reads the reported executables every few seconds (or at
once when `poke()` is called) and hands each one whose status is "not
attempted" to a pool of at most `max_fetches` threads running the symbol
chain. Temporary errors are retried after 30 s, doubling up to an hour;
settled executables (symbolized, no symbols, error) are not looked at again,
except that one with no symbols is tried once more when a reported process
maps a file of its name from a path not seen before.
Executables another process is working on (status pending) are left alone.
`progress()` is safe to call from any thread, e.g. the GUI's.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from devfiler.model import Executable, FileId
from devfiler.retry import RetryPolicy
from devfiler.symbolize.sources.process_maps import ProcessMaps
from devfiler.symbolize.sources.symbol_chain import ChainOutcome, SymbolChain
from devfiler.symbolize.store.symbol_store import SymbolState

DEFAULT_MAX_FETCHES = 4
DEFAULT_POLL_SECONDS = 3.0

_log = logging.getLogger(__name__)
_SETTLED = frozenset({SymbolState.SYMBOLIZED, SymbolState.NO_SYMBOLS, SymbolState.ERROR})


@dataclass(frozen=True, slots=True)
class AutoSymbolsProgress:
    """A consistent snapshot for display."""

    waiting: int
    """Handed to the pool, not started yet."""
    running: int
    finished: int
    symbolized: int
    retrying: int
    """Temporarily failed, waiting for their retry."""
    last: str
    """Summary of the latest outcome."""


class AutoSymbols:
    """Start with start(), end with stop(); both from the owning thread."""

    def __init__(
        self,
        chain: SymbolChain,
        reported: Callable[[], Iterable[Executable]],
        max_fetches: int = DEFAULT_MAX_FETCHES,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        retry: RetryPolicy | None = None,
        processes: ProcessMaps | None = None,
    ):
        if max_fetches < 1:
            raise ValueError("max_fetches must be at least 1")
        self.chain = chain
        self.max_fetches = max_fetches
        self._reported = reported
        self._poll = poll_seconds
        self._retry = retry or RetryPolicy()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._processes = processes
        self._pids: set[int] = set()
        self._queued: set[FileId] = set()
        self._running: set[FileId] = set()
        self._settled: set[FileId] = set()
        self._failures: dict[FileId, int] = {}
        self._next_try: dict[FileId, float] = {}
        self._finished = 0
        self._symbolized = 0
        self._last = ""
        self._pool = ThreadPoolExecutor(max_fetches, thread_name_prefix="symbol-fetch")
        self._thread = threading.Thread(target=self._loop, name="auto-symbols", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def poke(self) -> None:
        """Look at the executables now (e.g. after the collector stored new ones)."""
        self._wake.set()

    def reported(self, pids: Iterable[int], executables: bool) -> None:
        """The collector stored a request of these processes, naming `executables` or not.

        The processes' maps are read on the worker's thread, before it looks
        at the executables, so that their full paths are known (the
        collector's thread must stay quick).
        """
        if self._processes is not None:
            with self._lock:
                self._pids.update(pids)
        if executables:
            self._wake.set()

    def stop(self) -> None:
        """Cancel downloads in flight, wait for the running chains to end."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def progress(self) -> AutoSymbolsProgress:
        with self._lock:
            return AutoSymbolsProgress(
                waiting=len(self._queued - self._running),
                running=len(self._running),
                finished=self._finished,
                symbolized=self._symbolized,
                retrying=len(self._next_try),
                last=self._last,
            )

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._schedule()
            except Exception:
                _log.exception("automatic symbols: scheduling failed; trying again")
            self._wake.wait(self._wait_seconds())
            self._wake.clear()

    def _wait_seconds(self) -> float:
        now = time.monotonic()
        with self._lock:
            due = min((t for t in self._next_try.values() if t > now), default=now + self._poll)
        return min(self._poll, due - now)

    def _schedule(self) -> None:
        fresh: set[str] = set()
        if self._processes is not None:
            with self._lock:
                pids, self._pids = self._pids, set()
            fresh = self._processes.observe(pids)
        known = list(self._reported())
        now = time.monotonic()
        for executable in known:
            file_id = executable.file_id
            # A file looked for in vain is looked for again once a process maps its name
            # from a path not seen before.
            again = executable.file_name in fresh
            with self._lock:
                if file_id in self._queued or (file_id in self._settled and not again):
                    continue
                if self._next_try.get(file_id, now) > now:
                    continue
            state = self.chain.store.status(file_id).state
            if state in _SETTLED and not (again and state is SymbolState.NO_SYMBOLS):
                with self._lock:
                    self._settled.add(file_id)
                continue
            if state is SymbolState.PENDING or self._stop.is_set():
                continue
            with self._lock:
                self._queued.add(file_id)
                self._next_try.pop(file_id, None)
            future = self._pool.submit(self._run, executable, known)
            future.add_done_callback(self._forget(file_id))

    def _forget(self, file_id: FileId) -> Callable[[Future[None]], None]:
        def done(_: Future[None]) -> None:
            with self._lock:
                self._queued.discard(file_id)
                self._running.discard(file_id)

        return done

    def _run(self, executable: Executable, known: list[Executable]) -> None:
        file_id = executable.file_id
        with self._lock:
            self._running.add(file_id)
        outcome = self.chain.run(executable, known, self._stop)
        self._record(outcome)

    def _record(self, outcome: ChainOutcome) -> None:
        file_id = outcome.executable.file_id
        state = outcome.status.state
        with self._lock:
            self._finished += 1
            self._last = outcome.summary()
            if state is SymbolState.SYMBOLIZED:
                self._symbolized += 1
            if state is SymbolState.TEMPORARY_ERROR:
                failures = self._failures.get(file_id, 0) + 1
                self._failures[file_id] = failures
                self._next_try[file_id] = time.monotonic() + self._retry.delay(failures)
            else:
                self._failures.pop(file_id, None)
                self._next_try.pop(file_id, None)
                self._settled.add(file_id)
        self._wake.set()
