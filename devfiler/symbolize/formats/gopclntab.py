"""Go's own symbol table (.gopclntab, Go 1.18 to 1.24 layouts): functions, files, lines.

Go binaries keep this table even when stripped of DWARF. The header gives the
function table (entry offsets from textStart), the name table, the per-unit
file tables and the pc-value tables; each function's pcfile and pcln tables
turn into line rows. Layout facts: magic 0xfffffff0 for Go 1.18/1.19 and
0xfffffff1 for 1.20 onwards (which adds startLine to each function record,
after the fields read here, so both read alike).
"""

from __future__ import annotations

import struct

from devfiler.symbolize.formats.elf_image import ElfImage
from devfiler.symbolize.formats.errors import SymbolError
from devfiler.symbolize.formats.ranges import RangeBuilder, RangeTable

_MAGIC_118 = 0xFFFFFFF0
_MAGIC_120 = 0xFFFFFFF1


def gopclntab_ranges(image: ElfImage) -> RangeTable | None:
    """Ranges and line rows from .gopclntab; None when the file has none."""
    if not image.has_section(".gopclntab"):
        return None
    data = image.section(".gopclntab") or b""
    return GoTable(data, image.endian).read()


def _uvarint(data: bytes, pos: int, limit: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while pos < limit:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
    raise SymbolError(".gopclntab: pc-value table runs past its section")


class GoTable:
    """Decoder of one pclntab blob."""

    def __init__(self, data: bytes, endian: str):
        self.data = data
        self.e = endian
        if len(data) < 8:
            raise SymbolError(".gopclntab is too short")
        magic = struct.unpack_from(endian + "I", data)[0]
        if magic not in (_MAGIC_118, _MAGIC_120):
            raise SymbolError(f".gopclntab has magic {magic:#x} (Go 1.18 to 1.24 are supported)")
        self.quantum = data[6]
        self.ptr_size = data[7]
        if self.ptr_size not in (4, 8) or self.quantum not in (1, 2, 4):
            raise SymbolError(".gopclntab header has a bad pointer size or pc quantum")
        word = endian + ("Q" if self.ptr_size == 8 else "I")
        fields = struct.unpack_from(endian + word[1] * 8, data, 8)
        (
            self.nfunc,
            self.nfiles,
            self.text_start,
            self.funcname_off,
            self.cu_off,
            self.filetab_off,
            self.pctab_off,
            self.funcdata_off,
        ) = fields
        for name, offset in (
            ("funcnametab", self.funcname_off),
            ("cutab", self.cu_off),
            ("filetab", self.filetab_off),
            ("pctab", self.pctab_off),
            ("functab", self.funcdata_off),
        ):
            if offset > len(data):
                raise SymbolError(f".gopclntab: {name} offset {offset:#x} outside the section")
        if self.funcdata_off + (self.nfunc + 1) * 8 > len(data):
            raise SymbolError(f".gopclntab claims {self.nfunc} functions, more than it holds")
        self._files: dict[int, int] = {}

    def _cstring(self, pos: int) -> str:
        end = self.data.find(b"\0", pos)
        if pos >= len(self.data) or end < 0:
            raise SymbolError(f".gopclntab: string at {pos:#x} is outside or unterminated")
        return self.data[pos:end].decode("utf-8", "replace")

    def read(self) -> RangeTable:
        builder = RangeBuilder()
        data, e = self.data, self.e
        u32 = struct.Struct(e + "I").unpack_from
        i32 = struct.Struct(e + "i").unpack_from
        table = self.funcdata_off
        for index in range(self.nfunc):
            entry_off, func_off = struct.unpack_from(e + "II", data, table + index * 8)
            end_off = u32(data, table + (index + 1) * 8)[0]
            record = table + func_off
            if record + 40 > len(data):
                raise SymbolError(f".gopclntab: function record {index} outside the section")
            name_off = i32(data, record + 4)[0]
            pcfile, pcln = u32(data, record + 20)[0], u32(data, record + 24)[0]
            cu_offset = u32(data, record + 32)[0]
            start = self.text_start + entry_off
            end = self.text_start + end_off
            if end <= start:
                continue
            func = builder.intern(self._cstring(self.funcname_off + name_off))
            builder.add_range(start, end, 0, func)
            self._lines(builder, start, end, pcfile, pcln, cu_offset)
        return builder.build()

    def _pcvalues(self, offset: int, start: int, end: int) -> list[tuple[int, int]]:
        """(pc where the value starts, value) pairs of one pc-value table."""
        data = self.data
        pos = self.pctab_off + offset
        limit = len(data)
        pc = start
        value = -1
        result: list[tuple[int, int]] = []
        first = True
        while pc < end:
            delta, pos = _uvarint(data, pos, limit)
            if delta == 0 and not first:
                break
            value += -((delta >> 1) + 1) if delta & 1 else delta >> 1
            step, pos = _uvarint(data, pos, limit)
            if step == 0 and not first:
                raise SymbolError(f".gopclntab: pc-value table at {offset:#x} does not advance")
            result.append((pc, value))
            pc += step * self.quantum
            first = False
        return result

    def _file(self, builder: RangeBuilder, cu_offset: int, index: int) -> int:
        key = cu_offset + index
        cached = self._files.get(key)
        if cached is not None:
            return cached
        pos = self.cu_off + key * 4
        if index < 0 or pos + 4 > len(self.data):
            return 0
        offset = struct.unpack_from(self.e + "I", self.data, pos)[0]
        name = (
            0 if offset == 0xFFFFFFFF else builder.intern(self._cstring(self.filetab_off + offset))
        )
        self._files[key] = name
        return name

    def _lines(
        self, builder: RangeBuilder, start: int, end: int, pcfile: int, pcln: int, cu_offset: int
    ) -> None:
        files = self._pcvalues(pcfile, start, end) if pcfile else []
        lines = self._pcvalues(pcln, start, end) if pcln else []
        if not lines:
            return
        file_starts = [pc for pc, _ in files]
        fi = 0
        changes = sorted({pc for pc, _ in lines} | set(file_starts))
        li = 0
        for pc in changes:
            while li + 1 < len(lines) and lines[li + 1][0] <= pc:
                li += 1
            while fi + 1 < len(files) and files[fi + 1][0] <= pc:
                fi += 1
            file = self._file(builder, cu_offset, files[fi][1]) if files else 0
            builder.add_line(pc, file, max(lines[li][1], 0))
        builder.end_sequence(end)
