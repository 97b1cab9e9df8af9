"""What every automatic symbol source answers for one executable, and the shape of a source.

Sources (local files, a symbol endpoint, debuginfod servers) are tried in
order by symbol_chain.py; each returns an Attempt, never raises, so one
broken server cannot stop the others or the worker that runs them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import ClassVar, Protocol

from devfiler.model import Executable
from devfiler.symbolize.sources.http_fetch import FetchLimits
from devfiler.symbolize.store.ingest import IngestOutcome
from devfiler.symbolize.store.symbol_store import SymbolState, SymbolStore


class Result(Enum):
    SYMBOLIZED = "symbolized"
    NOT_FOUND = "not found"
    TEMPORARY = "temporary error"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Attempt:
    """The answer of one source; `source` names it for logs and statuses."""

    source: str
    result: Result
    message: str = ""
    symbols: int = 0

    def describe(self) -> str:
        detail = f": {self.message}" if self.message else ""
        if self.result is Result.SYMBOLIZED:
            detail = f" ({self.symbols} symbols){detail}"
        return f"{self.source}: {self.result.value}{detail}"


class SymbolSource(Protocol):
    """One place symbols may come from."""

    @property
    def name(self) -> str: ...

    def attempt(
        self,
        store: SymbolStore,
        executable: Executable,
        known: Sequence[Executable],
        cancel: threading.Event,
    ) -> Attempt:
        """Try to store symbols for `executable`; `known` is every reported executable
        (library searches use the main executables' paths)."""
        ...


class RemoteSource:
    """Base of the sources behind one URL, each downloading into its own folder."""

    label: ClassVar[str]
    """What kind of server it is, for `name`."""
    folder: ClassVar[str]
    """Its folder under the downloads folder."""

    def __init__(self, url: str, downloads: Path, limits: FetchLimits | None = None):
        self.url = url.rstrip("/")
        self.downloads = downloads / self.folder
        self.limits = limits or FetchLimits()

    @property
    def name(self) -> str:
        return f"{self.label} {self.url}"


def attempt_of_ingest(source: str, outcome: IngestOutcome) -> Attempt:
    """Translate the ingest of a found file into the answer of its source."""
    status = outcome.status
    if status.state is SymbolState.SYMBOLIZED:
        return Attempt(source, Result.SYMBOLIZED, symbols=status.symbols)
    if status.state is SymbolState.NO_SYMBOLS:
        return Attempt(source, Result.NOT_FOUND, f"{outcome.path} has no symbols")
    if status.state is SymbolState.TEMPORARY_ERROR:
        return Attempt(source, Result.TEMPORARY, f"{outcome.path}: {status.message}")
    return Attempt(source, Result.ERROR, f"{outcome.path}: {status.message}")
