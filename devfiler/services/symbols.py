"""Symbols as the window sees them: the executables list with each one's symbol
status, the symbol folder, the background ingest of dropped files and folders.

The window names these through here, so that ui/ needs no import of symbolize/.
"""

from __future__ import annotations

from pathlib import Path

from devfiler.symbolize.formats.elf_image import is_elf
from devfiler.symbolize.store.executables import ExecutableRow, executable_rows
from devfiler.symbolize.store.ingest import BackgroundIngest, IngestProgress
from devfiler.symbolize.store.symbol_store import SymbolState, SymbolStatus, SymbolStore

__all__ = [
    "BackgroundIngest",
    "ExecutableRow",
    "IngestProgress",
    "SymbolState",
    "SymbolStatus",
    "SymbolStore",
    "executable_rows",
    "is_symbol_source",
]


def is_symbol_source(path: Path) -> bool:
    """Dropped folders and ELF files go to symbols; anything else is taken for a profile."""
    return path.is_dir() or is_elf(path)
