"""The executables list: what the agent reported merged with what was ingested.

The agent's reports (file name, build IDs) come from the store's executables
table; ingested files and their states come from the symbol folder. Either
side may know a file the other does not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from devfiler.model import Executable, FileId
from devfiler.symbolize.store.symbol_store import SymbolState, SymbolStatus, SymbolStore


@dataclass(frozen=True, slots=True)
class ExecutableRow:
    """One line of the Executables tab and of `devfiler symbols list`."""

    file_id: FileId
    file_name: str
    gnu_build_id: str
    go_build_id: str
    status: SymbolStatus
    reported: bool
    """True when the agent reported this executable."""

    def to_json(self) -> dict[str, object]:
        return {
            "file_id": self.file_id.hex(),
            "file_name": self.file_name,
            "build_ids": {"gnu": self.gnu_build_id, "go": self.go_build_id},
            "status": str(self.status),
            "state": self.status.state.value,
            "message": self.status.message,
            "symbols": self.status.symbols,
            "reported_by_agent": self.reported,
        }


def executable_rows(reported: Iterable[Executable], symbols: SymbolStore) -> list[ExecutableRow]:
    """Every executable either side knows, sorted by file name then file ID."""
    entries = {entry.file_id: entry for entry in symbols.entries()}
    rows: dict[FileId, ExecutableRow] = {}
    for exe in reported:
        entry = entries.get(exe.file_id)
        rows[exe.file_id] = ExecutableRow(
            file_id=exe.file_id,
            file_name=exe.file_name or (entry.file_name if entry else ""),
            gnu_build_id=exe.gnu_build_id or (entry.gnu_build_id if entry else ""),
            go_build_id=exe.go_build_id or (entry.go_build_id if entry else ""),
            status=entry.status if entry else SymbolStatus(SymbolState.NOT_ATTEMPTED),
            reported=True,
        )
    for file_id, entry in entries.items():
        if file_id not in rows:
            rows[file_id] = ExecutableRow(
                file_id=file_id,
                file_name=entry.file_name,
                gnu_build_id=entry.gnu_build_id,
                go_build_id=entry.go_build_id,
                status=entry.status,
                reported=False,
            )
    return sorted(rows.values(), key=lambda row: (row.file_name, row.file_id))
