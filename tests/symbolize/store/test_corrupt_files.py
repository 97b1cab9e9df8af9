"""Corrupt, truncated and hostile ELF files end as an error status, never an exception or hang."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from devfiler.symbolize.store.ingest import ingest_file
from devfiler.symbolize.store.symbol_store import SymbolState, SymbolStore

_ENDINGS = (SymbolState.ERROR, SymbolState.SYMBOLIZED, SymbolState.NO_SYMBOLS)


def _section_spans(path: Path, names: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    with open(path, "rb") as handle:
        elf = ELFFile(handle)
        return {
            s.name: (s["sh_offset"], s["sh_size"])
            for s in elf.iter_sections()
            if s.name in names and s["sh_size"]
        }


@pytest.mark.timeout(120)
def test_truncated_files_end_in_error(c_program: Path, tmp_path: Path) -> None:
    store = SymbolStore(tmp_path / "symbols")
    data = c_program.read_bytes()
    spans = _section_spans(c_program, (".debug_info", ".debug_line", ".symtab"))
    cuts = [0, 10, 63, 64, 200, len(data) // 3, len(data) // 2, len(data) - 1]
    cuts += [offset + size // 2 for offset, size in spans.values()]
    for cut in cuts:
        broken = tmp_path / f"cut{cut}"
        broken.write_bytes(data[:cut])
        outcome = ingest_file(store, broken)
        assert outcome.status.state is SymbolState.ERROR, (cut, outcome.status)
        assert outcome.status.message
        if cut < 4:
            # Not even the ELF magic: no executable, nothing registered.
            assert outcome.file_id is None
        else:
            assert outcome.file_id is not None
            assert store.status(outcome.file_id).state is SymbolState.ERROR


@pytest.mark.timeout(300)
@pytest.mark.parametrize("section", [".debug_info", ".debug_abbrev", ".debug_line", ".symtab"])
def test_flipped_bytes_never_escape(c_program: Path, tmp_path: Path, section: str) -> None:
    store = SymbolStore(tmp_path / "symbols")
    data = bytearray(c_program.read_bytes())
    offset, size = _section_spans(c_program, (section,))[section]
    rng = random.Random(section)
    for round_ in range(25):
        broken = bytearray(data)
        for _ in range(1 + round_ % 4):
            broken[offset + rng.randrange(size)] ^= 1 << rng.randrange(8) | 0x80
        path = tmp_path / f"flip{round_}"
        path.write_bytes(bytes(broken))
        outcome = ingest_file(store, path)
        assert outcome.status.state in _ENDINGS, outcome.status


def test_not_an_elf_file(tmp_path: Path) -> None:
    path = tmp_path / "text"
    path.write_text("hello, not an executable\n" * 10)
    store = SymbolStore(tmp_path / "symbols")
    outcome = ingest_file(store, path)
    assert str(outcome.status) == "error: not an ELF file; nothing registered"
    assert outcome.file_id is None and store.entries() == []


def test_hostile_header_counts(c_program: Path, tmp_path: Path) -> None:
    """Section counts and offsets pointing far outside the file."""
    data = bytearray(c_program.read_bytes())
    data[0x28:0x30] = (1 << 40).to_bytes(8, "little")  # e_shoff far past the end
    path = tmp_path / "hostile"
    path.write_bytes(bytes(data))
    outcome = ingest_file(SymbolStore(tmp_path / "symbols"), path)
    assert outcome.status.state is SymbolState.ERROR
