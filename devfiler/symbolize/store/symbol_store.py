"""The folder of symbol files (DataPaths.symbols): one symbol file and/or one status
file per file ID, written by any process (temp file + rename), read by all.

Files live here and not in RocksDB because `devfiler symbols add` must work
while the collector process owns the database. A `<id>.sym` file holds the
symbols; a `<id>.status` file records the latest state of an executable that is
not (or not yet) symbolized: pending, no symbols, temporary error, error.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
import numpy.typing as npt

from devfiler.model import FileId, SourceLine
from devfiler.symbolize.formats.ranges import RangeTable
from devfiler.symbolize.store.symbol_file import (
    SymbolFile,
    SymbolFileInfo,
    read_symbol_file_info,
    write_symbol_file,
)

_SYMBOLS_SUFFIX = ".sym"
_STATUS_SUFFIX = ".status"


class SymbolState(Enum):
    NOT_ATTEMPTED = "not attempted"
    PENDING = "pending"
    SYMBOLIZED = "symbolized"
    NO_SYMBOLS = "no symbols"
    TEMPORARY_ERROR = "temporary error"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class SymbolStatus:
    """Symbolization state of one executable, with a message for errors."""

    state: SymbolState
    message: str = ""
    symbols: int = 0

    def __str__(self) -> str:
        if self.state is SymbolState.SYMBOLIZED:
            return f"symbolized ({self.symbols} symbols)"
        if self.state in (SymbolState.ERROR, SymbolState.TEMPORARY_ERROR) and self.message:
            return f"{self.state.value}: {self.message}"
        return str(self.state.value)


@dataclass(frozen=True, slots=True)
class SymbolEntry:
    """What the folder knows about one file ID."""

    file_id: FileId
    file_name: str
    gnu_build_id: str
    go_build_id: str
    status: SymbolStatus


class SymbolStore:
    """Reads and writes the symbol folder; lookups keep files mapped between calls."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._open: dict[int, tuple[tuple[int, int, int], SymbolFile]] = {}

    def symbols_path(self, file_id: FileId) -> Path:
        return self.folder / f"{file_id.hex()}{_SYMBOLS_SUFFIX}"

    def status_path(self, file_id: FileId) -> Path:
        return self.folder / f"{file_id.hex()}{_STATUS_SUFFIX}"

    # -- lookups ---------------------------------------------------------

    def symbol_file(self, file_id: FileId) -> SymbolFile | None:
        """The mapped symbol file, reopened when another process replaced it."""
        path = self.symbols_path(file_id)
        try:
            st = path.stat()
        except OSError:
            with self._lock:
                self._open.pop(file_id.value, None)
            return None
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            cached = self._open.get(file_id.value)
            if cached is not None and cached[0] == stamp:
                return cached[1]
        try:
            opened = SymbolFile(path)
        except (OSError, ValueError, KeyError):
            return None
        with self._lock:
            self._open[file_id.value] = (stamp, opened)
        return opened

    def has_symbols(self, file_id: FileId) -> bool:
        return self.symbols_path(file_id).is_file()

    def lookup(self, file_id: FileId, addresses: npt.ArrayLike) -> list[tuple[SourceLine, ...]]:
        """Inline chain (outermost first) of each address; () for every address when
        the file has no symbols, and for addresses no symbol covers."""
        addrs = np.asarray(addresses, dtype=np.uint64).reshape(-1)
        symbols = self.symbol_file(file_id)
        if symbols is None:
            return [()] * len(addrs)
        return symbols.lookup(addrs)

    # -- writing ---------------------------------------------------------

    def write_symbols(self, info: SymbolFileInfo, table: RangeTable) -> None:
        """Store a normalized table and drop the status file it supersedes."""
        file_id = FileId.from_hex(info.file_id)
        write_symbol_file(self.symbols_path(file_id), info, table)
        self.status_path(file_id).unlink(missing_ok=True)

    def set_status(
        self,
        file_id: FileId,
        status: SymbolStatus,
        file_name: str = "",
        gnu_build_id: str = "",
        go_build_id: str = "",
    ) -> None:
        doc = {
            "state": status.state.value,
            "message": status.message,
            "pid": os.getpid(),
            "file_name": file_name,
            "gnu_build_id": gnu_build_id,
            "go_build_id": go_build_id,
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.status_path(file_id)
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as out:
                json.dump(doc, out)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    # -- reading state ---------------------------------------------------

    def status(self, file_id: FileId) -> SymbolStatus:
        entry = self._entry(file_id)
        return entry.status if entry else SymbolStatus(SymbolState.NOT_ATTEMPTED)

    def entries(self) -> list[SymbolEntry]:
        """Every file ID with a symbol or status file, sorted by file ID."""
        if not self.folder.is_dir():
            return []
        ids = set()
        for path in self.folder.iterdir():
            if path.name.startswith(".") or path.suffix not in (_SYMBOLS_SUFFIX, _STATUS_SUFFIX):
                continue
            try:
                ids.add(FileId.from_hex(path.stem))
            except ValueError:
                continue
        return [e for e in (self._entry(i) for i in sorted(ids)) if e is not None]

    def _entry(self, file_id: FileId) -> SymbolEntry | None:
        status_doc = _read_json(self.status_path(file_id))
        info = None
        if self.symbols_path(file_id).is_file():
            try:
                info = read_symbol_file_info(self.symbols_path(file_id))
            except (OSError, ValueError, KeyError):
                info = None
        if status_doc is None and info is None:
            return None
        if status_doc is not None:
            status = _status_from_doc(status_doc)
            names = status_doc
        else:
            assert info is not None
            status = SymbolStatus(SymbolState.SYMBOLIZED, symbols=info.functions)
            names = {}
        return SymbolEntry(
            file_id=file_id,
            file_name=(info.file_name if info else "") or str(names.get("file_name", "")),
            gnu_build_id=(info.gnu_build_id if info else "") or str(names.get("gnu_build_id", "")),
            go_build_id=(info.go_build_id if info else "") or str(names.get("go_build_id", "")),
            status=status,
        )


def _read_json(path: Path) -> dict[str, object] | None:
    try:
        with open(path) as handle:
            doc = json.load(handle)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _status_from_doc(doc: dict[str, object]) -> SymbolStatus:
    try:
        state = SymbolState(doc.get("state"))
    except ValueError:
        return SymbolStatus(SymbolState.ERROR, f"unreadable status {doc.get('state')!r}")
    message = str(doc.get("message", ""))
    pid = doc.get("pid")
    if state is SymbolState.PENDING and isinstance(pid, int) and not _alive(pid):
        return SymbolStatus(SymbolState.TEMPORARY_ERROR, "ingest was interrupted")
    return SymbolStatus(state, message)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
