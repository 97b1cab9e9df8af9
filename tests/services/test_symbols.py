"""What the window takes for a symbol source when files are dropped on it."""

from __future__ import annotations

import sys
from pathlib import Path

from devfiler.services.symbols import is_symbol_source


def test_drops_of_folders_and_elf_files_go_to_symbols(tmp_path: Path) -> None:
    profile = tmp_path / "cpu.pprof"
    profile.write_bytes(b"\x1f\x8b not elf")
    assert is_symbol_source(tmp_path)
    assert is_symbol_source(Path(sys.executable).resolve())
    assert not is_symbol_source(profile)
