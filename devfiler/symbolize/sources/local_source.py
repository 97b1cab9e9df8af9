"""Symbols from files on this machine, for when devfiler runs on the profiled host.

The agent names a library by its base name and gives the main executable's
full path separately, so a name is looked up where the loader would find it:
the reported path, the files the reporting processes have mapped
(process_maps.py, when devfiler runs on the profiled host), the RUNPATH/RPATH
of the executables already located, the ld.so.cache and standard
directories, and the user's `--symbols-dir` folders. A candidate counts
only if its file ID equals the reported one (a library of the same name but
another version is a different file). Ingest
then prefers its separate debug file (.gnu_debuglink, .build-id) as extract.py
does. When no copy of the executable is here but its debug file is (found by
GNU build ID), that file is ingested under the executable's ID.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath

from devfiler.model import Executable, FileId
from devfiler.symbolize.formats.debuglink import DEFAULT_DEBUG_ROOTS
from devfiler.symbolize.formats.elf_image import gnu_build_id_of
from devfiler.symbolize.formats.fileid import file_id_of_path
from devfiler.symbolize.formats.regular_file import open_regular
from devfiler.symbolize.sources.loader_paths import (
    STANDARD_LIBRARY_DIRS,
    STANDARD_PROGRAM_DIRS,
    LoaderCache,
    read_loader_cache,
    runpath_dirs,
)
from devfiler.symbolize.sources.process_maps import PROC, ProcessMaps
from devfiler.symbolize.sources.source import Attempt, Result, attempt_of_ingest
from devfiler.symbolize.store.ingest import ingest_file
from devfiler.symbolize.store.symbol_store import SymbolStore

MAX_FILE_BYTES = 4 << 30
"""Largest file read from this machine for a reported executable (its name comes from a
sender): far above any executable or debug file devfiler can symbolize within its memory."""


def _usable(path: Path) -> bool:
    """A regular file within the size cap (opened, not just looked up, so nothing swaps in)."""
    try:
        with open_regular(path, MAX_FILE_BYTES):
            return True
    except OSError:
        return False


class LocalSource:
    """Finds an executable's file (or its debug file) on this machine by file ID."""

    name = "local files"

    def __init__(
        self,
        symbols_dirs: Sequence[Path] = (),
        debug_roots: Sequence[Path] = DEFAULT_DEBUG_ROOTS,
        loader_cache: LoaderCache | None = None,
        processes: ProcessMaps | None = None,
    ):
        self.symbols_dirs = tuple(Path(d) for d in symbols_dirs)
        self.processes = processes
        self.debug_roots = (*self.symbols_dirs, *debug_roots)
        self._cache = loader_cache
        self._lock = threading.Lock()
        self._found: dict[FileId, Path] = {}
        self._runpaths: dict[Path, tuple[Path, ...]] = {}

    def attempt(
        self,
        store: SymbolStore,
        executable: Executable,
        known: Sequence[Executable],
        cancel: threading.Event,
    ) -> Attempt:
        path = self.find(executable, known)
        if path is not None:
            where = self._describe(path, _base_name(executable))
            outcome = ingest_file(
                store, path, debug_roots=self.debug_roots, origin=f"local {where}"
            )
            return attempt_of_ingest(f"local file {where}", outcome)
        debug = self._debug_file(executable.gnu_build_id)
        if debug is None:
            return Attempt(self.name, Result.NOT_FOUND, "no file with this file ID")
        outcome = ingest_file(
            store,
            debug,
            debug_roots=(),
            file_id=executable.file_id,
            file_name=_base_name(executable),
            origin=f"local debug file {debug}",
        )
        return attempt_of_ingest(f"local debug file {debug}", outcome)

    def find(self, executable: Executable, known: Sequence[Executable]) -> Path | None:
        """The first candidate whose file ID matches, remembered for RUNPATH searches.

        Paths under /proc are magic links into another process's view of the
        file system; resolving them would name a file of this one, so they
        are read as they are.
        """
        seen: set[Path] = set()
        for candidate in self.candidates(executable, known):
            try:
                if not _usable(candidate):
                    continue
                real = candidate if candidate.is_relative_to(PROC) else candidate.resolve()
                if real in seen:
                    continue
                seen.add(real)
                matches = file_id_of_path(real) == executable.file_id
            except OSError:
                continue
            if matches:
                with self._lock:
                    self._found[executable.file_id] = candidate
                return candidate
        return None

    def candidates(self, executable: Executable, known: Sequence[Executable]) -> Iterator[Path]:
        """Paths worth checking, most likely first (may repeat or not exist)."""
        if executable.path:
            yield Path(executable.path)
        if executable.file_name.startswith("/"):
            yield Path(executable.file_name)
        name = _base_name(executable)
        if not name or name in (".", ".."):
            return
        if self.processes is not None:
            yield from (mapped.path for mapped in self.processes.candidates(name))
        for folder in self._runpath_dirs(known):
            yield folder / name
        cache = self._loader_cache()
        yield from cache.paths_of(name)
        for folder in (*cache.directories, *STANDARD_LIBRARY_DIRS, *STANDARD_PROGRAM_DIRS):
            yield folder / name
        for root in self.symbols_dirs:
            yield from _named_within(root, name)

    def _describe(self, path: Path, name: str) -> str:
        """The path, and which process mapped it when the process maps found it."""
        if self.processes is not None:
            for mapped in self.processes.candidates(name):
                if mapped.path == path:
                    return mapped.describe()
        return str(path)

    def _loader_cache(self) -> LoaderCache:
        with self._lock:
            if self._cache is None:
                self._cache = read_loader_cache()
            return self._cache

    def _runpath_dirs(self, known: Sequence[Executable]) -> list[Path]:
        """RUNPATH/RPATH folders of every executable located so far (main executables
        by their reported path, libraries where this source found them)."""
        with self._lock:
            located = [*self._found.values()]
        located += [Path(e.path) for e in known if e.path]
        folders: dict[Path, None] = {}
        for path in located:
            with self._lock:
                cached = self._runpaths.get(path)
            if cached is None:
                cached = runpath_dirs(path) if path.is_file() else ()
                with self._lock:
                    self._runpaths[path] = cached
            folders.update(dict.fromkeys(cached))
        return list(folders)

    def _debug_file(self, gnu_build_id: str) -> Path | None:
        if len(gnu_build_id) <= 2:
            return None
        for root in self.debug_roots:
            candidate = root / ".build-id" / gnu_build_id[:2] / f"{gnu_build_id[2:]}.debug"
            if _usable(candidate) and gnu_build_id_of(candidate) == gnu_build_id:
                return candidate
        return None


def _base_name(executable: Executable) -> str:
    return PurePosixPath(executable.file_name or executable.path).name


def _named_within(root: Path, name: str) -> Iterator[Path]:
    """Files called `name` anywhere under `root` (symlinked folders are not followed)."""
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        if name in names:
            yield Path(folder) / name
