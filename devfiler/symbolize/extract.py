"""Everything the symbol store keeps about one ELF file, from every source it has.

Sources in priority order: DWARF (from the file or its separate debug file),
Go's .gopclntab, .symtab, .dynsym. They are merged so that each address is
answered by the best source that covers it, and function names are demangled
once here so lookups only copy strings.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from devfiler.model import FileId
from devfiler.symbolize.debuglink import DEFAULT_DEBUG_ROOTS, find_debug_file
from devfiler.symbolize.demangle import demangle
from devfiler.symbolize.dwarf import DwarfReader
from devfiler.symbolize.dwarf_forms import DwarfSections
from devfiler.symbolize.elf_image import ElfImage
from devfiler.symbolize.elf_symbols import symbol_table_ranges
from devfiler.symbolize.errors import SymbolError
from devfiler.symbolize.fileid import file_id_of_path
from devfiler.symbolize.gopclntab import gopclntab_ranges
from devfiler.symbolize.ranges import RangeBuilder, RangeTable, merge


@dataclass(frozen=True, slots=True)
class Extracted:
    """The merged symbols of one file and what identifies it."""

    file_id: FileId
    file_name: str
    gnu_build_id: str
    go_build_id: str
    table: RangeTable
    sources: tuple[str, ...]
    """Which sources contributed, e.g. ("dwarf", "symtab"); also names a debug file used."""


def extract(path: Path, debug_roots: Sequence[Path] = DEFAULT_DEBUG_ROOTS) -> Extracted:
    """Read all symbol sources of `path`; SymbolError when the file cannot be read."""
    file_id = file_id_of_path(path)
    try:
        with ElfImage(path) as image:
            gnu_build_id = image.gnu_build_id()
            go_build_id = image.go_build_id()
            tables: list[RangeTable] = []
            sources: list[str] = []
            dwarf = _dwarf_table(image)
            if dwarf is None:
                debug_path = find_debug_file(path, gnu_build_id, image.debuglink(), debug_roots)
                if debug_path is not None:
                    with ElfImage(debug_path) as debug_image:
                        dwarf = _dwarf_table(debug_image)
                        if dwarf is not None:
                            sources.append(f"debug file {debug_path}")
            if dwarf is not None:
                tables.append(dwarf)
                sources.append("dwarf")
            go = gopclntab_ranges(image)
            if go is not None:
                tables.append(go)
                sources.append("gopclntab")
            for section, label in ((".symtab", "symtab"), (".dynsym", "dynsym")):
                table = symbol_table_ranges(image, section)
                if len(table):
                    tables.append(table)
                    sources.append(label)
    except SymbolError:
        raise
    except (IndexError, struct.error, ValueError, KeyError, OverflowError) as error:
        raise SymbolError(f"corrupt data: {type(error).__name__}: {error}") from error
    except Exception as error:
        raise SymbolError(f"{type(error).__name__}: {error}") from error
    merged = _demangled(merge(tables)).normalized()
    return Extracted(
        file_id=file_id,
        file_name=path.name,
        gnu_build_id=gnu_build_id,
        go_build_id=go_build_id,
        table=merged,
        sources=tuple(sources),
    )


def _dwarf_table(image: ElfImage) -> RangeTable | None:
    """The DWARF ranges of an image, or None when it has no DWARF with code."""
    info = image.section(".debug_info")
    if not info:
        return None

    def get(name: str) -> bytes:
        return bytes(image.section(name) or b"")

    sections = DwarfSections(
        info=bytes(info),
        abbrev=get(".debug_abbrev"),
        line=get(".debug_line"),
        str=get(".debug_str"),
        line_str=get(".debug_line_str"),
        ranges=get(".debug_ranges"),
        rnglists=get(".debug_rnglists"),
        addr=get(".debug_addr"),
        str_offsets=get(".debug_str_offsets"),
        little_endian=image.little_endian,
    )
    builder = RangeBuilder()
    DwarfReader(sections, builder).read()
    table = builder.build()
    return table if len(table) else None


def _demangled(table: RangeTable) -> RangeTable:
    """Replace every function name by its demangled form (file names stay)."""
    used = np.unique(table.func).tolist()
    strings = list(table.strings)
    for index in used:
        strings[index] = demangle(strings[index])
    return RangeTable(
        strings=strings,
        start=table.start,
        end=table.end,
        depth=table.depth,
        func=table.func,
        call_file=table.call_file,
        call_line=table.call_line,
        line_addr=table.line_addr,
        line_file=table.line_file,
        line_no=table.line_no,
    )
