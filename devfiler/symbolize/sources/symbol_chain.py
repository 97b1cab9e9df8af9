"""The ordered symbol sources for one executable, and the status their answers add up to.

Sources are tried in order (local files, symbol endpoint, debuginfod servers)
until one stores symbols. Otherwise the executable's status says why: a
temporary error if any source may succeed later (it is retried), an error if
a source found the file but could not use it, else "no symbols". Every
outcome is one log line naming the sources.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from devfiler.model import Executable
from devfiler.symbolize.sources.debuginfod import DebuginfodSource
from devfiler.symbolize.sources.http_fetch import FetchLimits
from devfiler.symbolize.sources.local_source import LocalSource
from devfiler.symbolize.sources.process_maps import ProcessMaps
from devfiler.symbolize.sources.source import Attempt, Result, SymbolSource
from devfiler.symbolize.sources.symb_endpoint import SymbEndpointSource
from devfiler.symbolize.store.symbol_store import SymbolState, SymbolStatus, SymbolStore

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChainOutcome:
    """What the chain did for one executable."""

    executable: Executable
    status: SymbolStatus
    attempts: tuple[Attempt, ...]

    def summary(self) -> str:
        """One line for logs and the command line."""
        exe = self.executable
        name = exe.file_name or exe.path or "?"
        tried = "; ".join(a.describe() for a in self.attempts) or "no symbol sources configured"
        return f"{exe.file_id.hex()} {name}: {self.status.state.value} [{tried}]"


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """Where symbols may come from, as the command-line flags give it."""

    symbols_dirs: tuple[Path, ...] = ()
    symb_endpoint: str = ""
    debuginfod_urls: tuple[str, ...] = ()
    local: bool = True
    processes: ProcessMaps | None = None
    """Files the reporting processes have mapped, when devfiler runs on their host."""


class SymbolChain:
    """Runs the sources for an executable and records the resulting status."""

    def __init__(self, store: SymbolStore, sources: Sequence[SymbolSource]):
        self.store = store
        self.sources = tuple(sources)

    @classmethod
    def from_settings(
        cls,
        store: SymbolStore,
        downloads: Path,
        settings: SourceSettings,
        limits: FetchLimits | None = None,
    ) -> SymbolChain:
        sources: list[SymbolSource] = []
        if settings.local:
            sources.append(LocalSource(settings.symbols_dirs, processes=settings.processes))
        if settings.symb_endpoint:
            sources.append(SymbEndpointSource(settings.symb_endpoint, downloads, limits))
        sources.extend(DebuginfodSource(u, downloads, limits) for u in settings.debuginfod_urls)
        return cls(store, sources)

    def run(
        self,
        executable: Executable,
        known: Sequence[Executable] = (),
        cancel: threading.Event | None = None,
    ) -> ChainOutcome:
        cancel = cancel or threading.Event()
        file_id = executable.file_id
        names = (executable.file_name, executable.gnu_build_id, executable.go_build_id)
        self.store.set_status(file_id, SymbolStatus(SymbolState.PENDING), *names)
        attempts: list[Attempt] = []
        for source in self.sources:
            if cancel.is_set():
                attempts.append(Attempt(source.name, Result.TEMPORARY, "stopped"))
                break
            try:
                attempt = source.attempt(self.store, executable, known, cancel)
            except Exception as error:
                _log.exception("symbol source %s failed on %s", source.name, file_id.hex())
                attempt = Attempt(source.name, Result.ERROR, f"{type(error).__name__}: {error}")
            attempts.append(attempt)
            if attempt.result is Result.SYMBOLIZED:
                outcome = ChainOutcome(
                    executable,
                    SymbolStatus(SymbolState.SYMBOLIZED, symbols=attempt.symbols),
                    tuple(attempts),
                )
                _log.info("symbols: %s", outcome.summary())
                return outcome
        status = _combined(attempts)
        self.store.set_status(file_id, status, *names)
        outcome = ChainOutcome(executable, status, tuple(attempts))
        _log.info("symbols: %s", outcome.summary())
        return outcome


def _combined(attempts: Sequence[Attempt]) -> SymbolStatus:
    """Temporary beats error beats not found: a source that may answer later decides."""
    for result, state in (
        (Result.TEMPORARY, SymbolState.TEMPORARY_ERROR),
        (Result.ERROR, SymbolState.ERROR),
    ):
        failed = [a for a in attempts if a.result is result]
        if failed:
            return SymbolStatus(state, "; ".join(f"{a.source}: {a.message}" for a in failed))
    return SymbolStatus(SymbolState.NO_SYMBOLS)
