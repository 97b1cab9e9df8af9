"""DWARF line programs (.debug_line, versions 2-5) decoded into the line table rows.

One program per compile unit: its header names the files (joined with their
directories and the unit's compile dir, as addr2line prints them), and its
opcodes produce (address, file, line) rows, with an end-of-sequence row after
each sequence. Sequences linkers discarded (address 0 or a tombstone) are
dropped.
"""

from __future__ import annotations

import posixpath
import struct

from devfiler.symbolize.formats.dwarf_forms import (
    STRING_FORMS,
    STRX_FORMS,
    DwarfSections,
    SectionReader,
    cstring,
    sleb,
    uleb,
)
from devfiler.symbolize.formats.errors import SymbolError
from devfiler.symbolize.formats.ranges import RangeBuilder

_LNCT_PATH = 1
_LNCT_DIRECTORY_INDEX = 2


def _discarded(address: int) -> bool:
    """Linkers move the code they drop to address 0 or to a tombstone (-1, -2)."""
    return address == 0 or 0xFFFFFFF0 <= address <= 0xFFFFFFFF or address >= 0xFFFFFFFFFFFFFFF0


class LineProgramReader(SectionReader):
    """Decodes the line program at one .debug_line offset into a RangeBuilder."""

    def __init__(self, sections: DwarfSections, builder: RangeBuilder, offset: int, comp_dir: str):
        super().__init__(sections)
        self.b = builder
        self.offset = offset
        self.comp_dir = comp_dir

    def read(self) -> list[int]:
        """Decode the program; return the interned file names by DWARF file index."""
        data = self.s.line
        pos = self.offset
        if pos + 4 > len(data):
            raise SymbolError(f"line program offset {pos:#x} outside .debug_line")
        header = self._unit_header(data, pos, "line program", ".debug_line")
        end = header.end
        offset_size = header.offset_size
        version = header.version
        pos = header.body
        address_size = 8
        if version >= 5:
            address_size = data[pos]  # then the segment selector size, unused
            pos += 2
        header_length = self._offset(data, pos, offset_size)
        pos += offset_size
        program = pos + header_length
        min_inst = data[pos]
        pos += 1
        if version >= 4:
            pos += 1  # maximum operations per instruction (VLIW only)
        line_base = struct.unpack_from("b", data, pos + 1)[0]
        line_range = data[pos + 2]
        opcode_base = data[pos + 3]
        pos += 4
        if line_range == 0:
            raise SymbolError(f"line program at +{self.offset:#x} has line_range 0")
        lengths = list(data[pos : pos + opcode_base - 1])
        pos += opcode_base - 1
        if version >= 5:
            files = self._files_v5(data, pos, (address_size, offset_size, version))
        else:
            files = self._files_v4(data, pos, program)
        if not program <= end:
            raise SymbolError(f"line program header at +{self.offset:#x} is longer than its unit")
        self._run(data, program, end, files, min_inst, line_base, line_range, opcode_base, lengths)
        return files

    # -- file tables -----------------------------------------------------

    def _join(self, directory: str, name: str) -> str:
        if posixpath.isabs(name):
            return name
        if directory and not posixpath.isabs(directory) and self.comp_dir:
            directory = posixpath.join(self.comp_dir, directory)
        elif not directory:
            directory = self.comp_dir
        return posixpath.join(directory, name) if directory else name

    def _files_v4(self, data: bytes, pos: int, limit: int) -> list[int]:
        dirs = [self.comp_dir]
        while pos < limit and data[pos]:
            name, pos = cstring(data, pos)
            dirs.append(name)
        pos += 1
        files = [0]
        while pos < limit and data[pos]:
            name, pos = cstring(data, pos)
            directory, pos = uleb(data, pos)
            _, pos = uleb(data, pos)
            _, pos = uleb(data, pos)
            base = dirs[directory] if directory < len(dirs) else ""
            files.append(self.b.intern(self._join(base, name)))
        return files

    def _entry_table(
        self, data: bytes, pos: int, sizes: tuple[int, int, int]
    ) -> tuple[list[dict[int, object]], int]:
        count = data[pos]
        pos += 1
        formats = []
        for _ in range(count):
            kind, pos = uleb(data, pos)
            form, pos = uleb(data, pos)
            formats.append((kind, form))
        entries_count, pos = uleb(data, pos)
        if entries_count > len(data):
            raise SymbolError(f"line table claims {entries_count} entries")
        entries: list[dict[int, object]] = []
        for _ in range(entries_count):
            entry: dict[int, object] = {}
            for kind, form in formats:
                entry[kind], pos = self._entry_value(data, pos, form, sizes)
            entries.append(entry)
        return entries, pos

    def _entry_value(
        self, data: bytes, pos: int, form: int, sizes: tuple[int, int, int]
    ) -> tuple[object, int]:
        """One field of a directory or file entry: a string for the string forms."""
        if form in STRX_FORMS:
            raise SymbolError("indexed strings in a line table header are not supported")
        value, pos = self.form_value(data, pos, form, 0, *sizes)
        if form in STRING_FORMS:
            return self.form_string(data, value, form), pos
        return value, pos

    def _files_v5(self, data: bytes, pos: int, sizes: tuple[int, int, int]) -> list[int]:
        """File names of a version 5 header; `sizes` are its address size, offset size
        and version, as form_value takes them."""
        dir_entries, pos = self._entry_table(data, pos, sizes)
        dirs = [str(d.get(_LNCT_PATH, "")) for d in dir_entries]
        if dirs and not posixpath.isabs(dirs[0]) and self.comp_dir:
            dirs[0] = posixpath.join(self.comp_dir, dirs[0])
        file_entries, pos = self._entry_table(data, pos, sizes)
        files = []
        for entry in file_entries:
            directory = entry.get(_LNCT_DIRECTORY_INDEX, 0)
            index = directory if isinstance(directory, int) else 0
            base = dirs[index] if index < len(dirs) else ""
            files.append(self.b.intern(self._join(base, str(entry.get(_LNCT_PATH, "")))))
        return files

    # -- the program -----------------------------------------------------

    def _run(
        self,
        data: bytes,
        pos: int,
        end: int,
        files: list[int],
        min_inst: int,
        line_base: int,
        line_range: int,
        opcode_base: int,
        lengths: list[int],
    ) -> None:
        out_addr: list[int] = []
        out_file: list[int] = []
        out_line: list[int] = []
        nfiles = len(files)
        address = 0
        file = 1
        line = 1
        u16 = self._u16
        while pos < end:
            op = data[pos]
            pos += 1
            if op >= opcode_base:
                adjusted = op - opcode_base
                address += (adjusted // line_range) * min_inst
                line += line_base + adjusted % line_range
                out_addr.append(address)
                out_file.append(files[file] if file < nfiles else 0)
                out_line.append(line)
            elif op == 0:
                size, pos = uleb(data, pos)
                next_pos = pos + size
                if size == 0:
                    continue
                sub = data[pos]
                if sub == 1:  # end_sequence
                    self._flush(out_addr, out_file, out_line, address)
                    out_addr, out_file, out_line = [], [], []
                    address = 0
                    file = 1
                    line = 1
                elif sub == 2:  # set_address
                    width = size - 1
                    if width == 8:
                        address = self._u64(data, pos + 1)[0]
                    elif width == 4:
                        address = self._u32(data, pos + 1)[0]
                    else:
                        address = int.from_bytes(
                            data[pos + 1 : pos + 1 + width],
                            "little" if self.s.little_endian else "big",
                        )
                pos = next_pos
            elif op == 1:  # copy
                out_addr.append(address)
                out_file.append(files[file] if file < nfiles else 0)
                out_line.append(line)
            elif op == 2:  # advance_pc
                delta, pos = uleb(data, pos)
                address += delta * min_inst
            elif op == 3:  # advance_line
                delta, pos = sleb(data, pos)
                line += delta
            elif op == 4:  # set_file
                file, pos = uleb(data, pos)
            elif op == 8:  # const_add_pc
                address += ((255 - opcode_base) // line_range) * min_inst
            elif op == 9:  # fixed_advance_pc
                address += u16(data, pos)[0]
                pos += 2
            elif op in (5, 12):  # set_column, set_isa
                pos = uleb(data, pos)[1]
            elif op in (6, 7, 10, 11):  # negate_stmt, basic_block, prologue/epilogue
                continue
            else:
                for _ in range(lengths[op - 1]):
                    pos = uleb(data, pos)[1]

    def _flush(
        self, addrs: list[int], files: list[int], lines: list[int], end_address: int
    ) -> None:
        if not addrs or _discarded(addrs[0]):
            return
        b = self.b
        b.line_addrs.extend(addrs)
        b.line_files.extend(files)
        b.line_numbers.extend(lines)
        b.end_sequence(end_address)
