"""Everything the symbol store keeps about one ELF file, from every source it has.

Sources in priority order: DWARF (from the file or its separate debug file),
Go's .gopclntab, .symtab, .dynsym. They are merged so that each address is
answered by the best source that covers it, and function names are demangled
once here so lookups only copy strings.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from devfiler.model import FileId
from devfiler.symbolize.formats.debuglink import DEFAULT_DEBUG_ROOTS, find_debug_file
from devfiler.symbolize.formats.demangle import demangle
from devfiler.symbolize.formats.dwarf import DwarfReader
from devfiler.symbolize.formats.dwarf_forms import DwarfSections
from devfiler.symbolize.formats.elf_image import ElfImage
from devfiler.symbolize.formats.elf_symbols import symbol_table_ranges
from devfiler.symbolize.formats.errors import SymbolError
from devfiler.symbolize.formats.fileid import file_id_of_path
from devfiler.symbolize.formats.gopclntab import gopclntab_ranges
from devfiler.symbolize.formats.ranges import RangeBuilder, RangeTable, merge


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
            sources: list[str] = []
            dwarf = _dwarf_table(image)
            if dwarf is None:
                debug_path = find_debug_file(path, gnu_build_id, image.debuglink(), debug_roots)
                if debug_path is not None:
                    with ElfImage(debug_path) as debug_image:
                        dwarf = _dwarf_table(debug_image)
                        if dwarf is not None:
                            sources.append(f"debug file {debug_path}")
            go = gopclntab_ranges(image)
            symtabs = [
                (label, symbol_table_ranges(image, section))
                for section, label in ((".symtab", "symtab"), (".dynsym", "dynsym"))
            ]
            tables: list[RangeTable] = []
            if dwarf is not None:
                table, plain = dwarf
                for _, symtab in symtabs:
                    table, plain = _prefer_symbol_names(table, plain, symtab)
                tables.append(table)
                sources.append("dwarf")
            if go is not None:
                tables.append(go)
                sources.append("gopclntab")
            for label, symtab in symtabs:
                if len(symtab):
                    tables.append(symtab)
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


def _dwarf_table(image: ElfImage) -> tuple[RangeTable, npt.NDArray[np.bool_]] | None:
    """The DWARF ranges of an image and which of them start a function that DWARF names
    only plainly (no linkage name), or None when it has no DWARF with code."""
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
    reader = DwarfReader(sections, builder)
    reader.read()
    table = builder.build()
    if not len(table):
        return None
    plain = np.zeros(len(table), dtype=bool)
    plain[np.asarray(reader.function_entries, dtype=np.int64)] = True
    plain &= ~np.isin(table.func, np.fromiter(reader.linkage_names, dtype=np.uint32))
    return table, plain


def _prefer_symbol_names(
    table: RangeTable, plain: npt.NDArray[np.bool_], symtab: RangeTable
) -> tuple[RangeTable, npt.NDArray[np.bool_]]:
    """Name functions (depth 0) that DWARF names only plainly after the symbol that starts
    at the same address: the symbol carries the full signature and clone suffixes
    (`.constprop.0`), as addr2line shows them. Inlined frames keep DWARF names.
    Returns the table and which plain names remain."""
    if not len(symtab) or not len(table):
        return table, plain
    order = np.argsort(symtab.start, kind="stable")
    starts = symtab.start[order]
    idx = np.searchsorted(starts, table.start)
    safe = np.minimum(idx, len(starts) - 1)
    match = plain & (idx < len(starts)) & (starts[safe] == table.start)
    if not match.any():
        return table, plain
    strings = list(table.strings)
    index = {text: i for i, text in enumerate(strings)}
    func = table.func.copy()
    for row in np.flatnonzero(match).tolist():
        name = symtab.strings[int(symtab.func[order[safe[row]]])]
        if name not in index:
            index[name] = len(strings)
            strings.append(name)
        func[row] = index[name]
    return replace(table, strings=strings, func=func), plain & ~match


def _demangled(table: RangeTable) -> RangeTable:
    """Replace every function name by its demangled form (file names stay)."""
    used = np.unique(table.func).tolist()
    strings = list(table.strings)
    for index in used:
        strings[index] = demangle(strings[index])
    return replace(table, strings=strings)
