"""ElfImage's section table, read from the headers with pyelftools' public structs,
agrees with pyelftools' own Section objects on gcc-built files, and damaged headers
end in a SymbolError or an unnamed section, never another exception."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from devfiler.symbolize.formats.elf_image import ElfImage, gnu_build_id_of
from devfiler.symbolize.formats.errors import SymbolError

_E_SHOFF = 0x28
_E_SHNUM = 0x3C
_E_SHSTRNDX = 0x3E


def _sections(path: Path) -> list[tuple[str, str, int, str]]:
    """(name, type, flags, linked name) of every section, by pyelftools' Section objects."""
    with open(path, "rb") as handle:
        elf = ELFFile(handle)
        names = [section.name for section in elf.iter_sections()]
        return [
            (s.name, s["sh_type"], s["sh_flags"], names[s["sh_link"]]) for s in elf.iter_sections()
        ]


@pytest.mark.parametrize("which", ["c_program", "shared_library"])
def test_sections_agree_with_pyelftools(which: str, request: pytest.FixtureRequest) -> None:
    path: Path = request.getfixturevalue(which)
    expected = _sections(path)
    assert {name for name, *_ in expected} >= {".text", ".symtab", ".debug_info"}
    with ElfImage(path) as image, open(path, "rb") as handle:
        elf = ELFFile(handle)
        for (name, kind, _, linked), section in zip(expected, elf.iter_sections(), strict=True):
            assert image.has_section(name)
            assert image.section_type(name) == kind
            if kind in ("SHT_SYMTAB", "SHT_DYNSYM"):
                assert image.section_link(name) == linked
            if kind != "SHT_NOBITS":
                assert image.raw(name) == section.data()
        notes = [s for s in elf.iter_sections() if s["sh_type"] == "SHT_NOTE"]
        build_id = next(
            note["n_desc"]
            for section in notes
            for note in section.iter_notes()
            if note["n_type"] == "NT_GNU_BUILD_ID"
        )
        assert image.gnu_build_id() == build_id == gnu_build_id_of(path)


def _damaged(path: Path, tmp_path: Path, offset: int, fmt: str, value: int) -> Path:
    data = bytearray(path.read_bytes())
    struct.pack_into(fmt, data, offset, value)
    damaged = tmp_path / "damaged"
    damaged.write_bytes(bytes(data))
    return damaged


def test_a_name_table_index_outside_the_sections_is_an_error(
    c_program: Path, tmp_path: Path
) -> None:
    path = _damaged(c_program, tmp_path, _E_SHSTRNDX, "<H", 0xFF00)
    with pytest.raises(SymbolError, match="section name table 65280 is not among"):
        ElfImage(path)
    assert gnu_build_id_of(path) == ""


def test_section_headers_past_the_end_are_an_error(c_program: Path, tmp_path: Path) -> None:
    size = c_program.stat().st_size
    path = _damaged(c_program, tmp_path, _E_SHOFF, "<Q", size - 64)
    with pytest.raises(SymbolError, match="section headers run past the end"):
        ElfImage(path)


def test_names_outside_the_name_table_are_empty(c_program: Path, tmp_path: Path) -> None:
    with open(c_program, "rb") as handle:
        elf = ELFFile(handle)
        text = elf.get_section_index(".text")
        header_at = elf["e_shoff"] + text * elf["e_shentsize"]
    path = _damaged(c_program, tmp_path, header_at, "<I", 0xFFFF_FF00)  # sh_name
    with ElfImage(path) as image:
        assert not image.has_section(".text")
        assert image.has_section(".symtab")


def test_a_file_without_section_headers_has_no_sections(c_program: Path, tmp_path: Path) -> None:
    path = _damaged(c_program, tmp_path, _E_SHNUM, "<H", 0)
    with ElfImage(path) as image:
        assert not image.has_section(".text")
        assert image.gnu_build_id() == ""
