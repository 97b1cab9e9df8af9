"""The values a synthetic stack is made of: executables and the three shapes of frames.

They mirror what the agent puts into a location: a native frame is a mapping
plus an ELF address, a symbolized frame (kernel, Go, every interpreter) carries
its function, file and line, and a marker frame (abort marker or error frame)
carries only the unwinder's error code in `address`.
"""

from __future__ import annotations

from dataclasses import dataclass

from devfiler.model import FileId


@dataclass(frozen=True, slots=True)
class Executable:
    """An ELF file as the agent reports it in a mapping."""

    file_name: str
    file_id: FileId
    gnu_build_id: str = ""
    go_build_id: str = ""
    memory_start: int = 0
    memory_limit: int = 0
    file_offset: int = 0


@dataclass(frozen=True, slots=True)
class NativeFrame:
    """Unsymbolized frame: devfiler finds the symbol from the file ID and address."""

    executable: Executable
    address: int
    frame_type: str = "native"


@dataclass(frozen=True, slots=True)
class SymbolizedFrame:
    """Frame the agent symbolized itself; `mapping` is None for the frequent mapping-less case."""

    frame_type: str
    function: str
    file: str
    line: int
    mapping: Executable | None = None


@dataclass(frozen=True, slots=True)
class MarkerFrame:
    """Abort marker (`abort-marker`) or error frame (interpreter type): address = error code."""

    frame_type: str
    code: int


Frame = NativeFrame | SymbolizedFrame | MarkerFrame
Stack = tuple[int, ...]
"""Indices of frames in the run's frame table, leaf frame first, as the agent sends stacks."""
