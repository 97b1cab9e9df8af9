"""Ingest of executables into the symbol store, in the foreground or a background worker.

`ingest_file` does one file: compute its ID, mark it pending, extract every
source, write the symbol file (or the status that says why there is none).
`BackgroundIngest` runs that for queued paths on a worker thread and exposes
thread-safe progress counters for the GUI's Executables tab.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from devfiler.model import FileId
from devfiler.symbolize.formats.debuglink import DEFAULT_DEBUG_ROOTS
from devfiler.symbolize.formats.elf_image import is_elf
from devfiler.symbolize.formats.errors import SymbolError
from devfiler.symbolize.formats.extract import extract
from devfiler.symbolize.formats.fileid import file_id_of_path
from devfiler.symbolize.store.symbol_file import SymbolFileInfo
from devfiler.symbolize.store.symbol_store import SymbolState, SymbolStatus, SymbolStore


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """Result of ingesting one file."""

    path: Path
    file_id: FileId | None
    status: SymbolStatus
    ranges: int
    seconds: float

    def summary(self) -> str:
        """One line for the command line."""
        ident = self.file_id.hex() if self.file_id else "-" * 32
        return f"{ident}  {self.path}: {self.status} [{self.ranges} ranges, {self.seconds:.2f}s]"


@dataclass(frozen=True, slots=True)
class IngestProgress:
    """A consistent snapshot of the counters."""

    files_queued: int
    files_done: int
    ranges_extracted: int
    ranges_stored: int
    current_file: str
    last_outcome: IngestOutcome | None


class ProgressCounters:
    """Counters shared between the worker and readers (e.g. the UI thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queued = 0
        self._done = 0
        self._extracted = 0
        self._stored = 0
        self._current = ""
        self._last: IngestOutcome | None = None

    def queued(self, count: int) -> None:
        with self._lock:
            self._queued += count

    def started(self, path: Path) -> None:
        with self._lock:
            self._current = str(path)

    def extracted(self, ranges: int) -> None:
        with self._lock:
            self._extracted += ranges

    def stored(self, ranges: int) -> None:
        with self._lock:
            self._stored += ranges

    def finished(self, outcome: IngestOutcome) -> None:
        with self._lock:
            self._done += 1
            self._current = ""
            self._last = outcome

    def snapshot(self) -> IngestProgress:
        with self._lock:
            return IngestProgress(
                self._queued, self._done, self._extracted, self._stored, self._current, self._last
            )


def ingest_file(
    store: SymbolStore,
    path: Path,
    counters: ProgressCounters | None = None,
    debug_roots: Sequence[Path] = DEFAULT_DEBUG_ROOTS,
    *,
    file_id: FileId | None = None,
    file_name: str = "",
    origin: str = "",
) -> IngestOutcome:
    """Ingest one file; every failure ends as a status, never as an exception.

    A file fetched for an executable (its separate debug file) is stored under
    that executable's `file_id` and `file_name`; `origin` says where it came from
    and is kept first among the symbol file's sources.
    """
    began = time.monotonic()
    if counters is not None:
        counters.started(path)
    refused = ""
    try:
        if file_id is None:
            # A file given by hand that is no ELF file is no executable the
            # agent can report: it is refused, and nothing is registered for it.
            file_id = file_id_of_path(path)
            refused = "" if is_elf(path) else "not an ELF file; nothing registered"
    except OSError as error:
        refused = str(error)
    if refused or file_id is None:
        status = SymbolStatus(SymbolState.ERROR, refused)
        outcome = IngestOutcome(path, None, status, 0, time.monotonic() - began)
        if counters is not None:
            counters.finished(outcome)
        return outcome
    name = file_name or path.name
    store.set_status(file_id, SymbolStatus(SymbolState.PENDING), file_name=name)
    ranges = 0
    try:
        extracted = extract(path, debug_roots)
        ranges = len(extracted.table)
        if counters is not None:
            counters.extracted(ranges)
        if ranges == 0:
            status = SymbolStatus(SymbolState.NO_SYMBOLS)
            store.set_status(file_id, status, name, extracted.gnu_build_id, extracted.go_build_id)
        else:
            info = SymbolFileInfo(
                file_id=file_id.hex(),
                file_name=name,
                gnu_build_id=extracted.gnu_build_id,
                go_build_id=extracted.go_build_id,
                functions=extracted.table.function_count,
                ranges=ranges,
                sources=(origin, *extracted.sources) if origin else extracted.sources,
            )
            store.write_symbols(info, extracted.table)
            if counters is not None:
                counters.stored(ranges)
            status = SymbolStatus(SymbolState.SYMBOLIZED, symbols=info.functions)
    except SymbolError as error:
        status = SymbolStatus(SymbolState.ERROR, str(error))
        store.set_status(file_id, status, name)
    except (OSError, MemoryError) as error:
        status = SymbolStatus(SymbolState.TEMPORARY_ERROR, f"{type(error).__name__}: {error}")
        store.set_status(file_id, status, name)
    outcome = IngestOutcome(path, file_id, status, ranges, time.monotonic() - began)
    if counters is not None:
        counters.finished(outcome)
    return outcome


def iter_elf_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given; directories walked recursively for ELF files (symlinks not followed)."""
    for path in paths:
        if path.is_dir():
            for folder, dirs, names in os.walk(path):
                dirs.sort()
                for name in sorted(names):
                    candidate = Path(folder) / name
                    if candidate.is_file() and not candidate.is_symlink() and is_elf(candidate):
                        yield candidate
        else:
            yield path


class BackgroundIngest:
    """A worker thread that ingests queued files; `progress()` is safe from any thread."""

    def __init__(self, store: SymbolStore, debug_roots: Sequence[Path] = DEFAULT_DEBUG_ROOTS):
        self.store = store
        self.counters = ProgressCounters()
        self._debug_roots = tuple(debug_roots)
        self._queue: queue.Queue[Path | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="symbol-ingest", daemon=True)
        self._thread.start()

    def submit(self, paths: Iterable[Path]) -> int:
        """Queue files (directories are expanded to their ELF files); returns how many."""
        files = list(iter_elf_files(paths))
        self.counters.queued(len(files))
        for path in files:
            self._queue.put(path)
        return len(files)

    def progress(self) -> IngestProgress:
        return self.counters.snapshot()

    def idle(self) -> bool:
        snap = self.counters.snapshot()
        return snap.files_done >= snap.files_queued

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every queued file is done; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.idle():
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            path = self._queue.get()
            if path is None:
                return
            ingest_file(self.store, path, self.counters, self._debug_roots)
