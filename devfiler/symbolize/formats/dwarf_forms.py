"""DWARF constants, section bundle and primitive decoders shared by the DWARF readers."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from devfiler.symbolize.formats.errors import SymbolError

AT_SIBLING = 0x01
AT_NAME = 0x03
AT_STMT_LIST = 0x10
AT_LOW_PC = 0x11
AT_HIGH_PC = 0x12
AT_COMP_DIR = 0x1B
AT_ABSTRACT_ORIGIN = 0x31
AT_SPECIFICATION = 0x47
AT_RANGES = 0x55
AT_CALL_FILE = 0x58
AT_CALL_LINE = 0x59
AT_LINKAGE_NAME = 0x6E
AT_STR_OFFSETS_BASE = 0x72
AT_ADDR_BASE = 0x73
AT_RNGLISTS_BASE = 0x74
AT_MIPS_LINKAGE_NAME = 0x2007
AT_GNU_ADDR_BASE = 0x2133
AT_GNU_RANGES_BASE = 0x2132

FORM_ADDR = 0x01
FORM_BLOCK2 = 0x03
FORM_BLOCK4 = 0x04
FORM_DATA2 = 0x05
FORM_DATA4 = 0x06
FORM_DATA8 = 0x07
FORM_STRING = 0x08
FORM_BLOCK = 0x09
FORM_BLOCK1 = 0x0A
FORM_DATA1 = 0x0B
FORM_FLAG = 0x0C
FORM_SDATA = 0x0D
FORM_STRP = 0x0E
FORM_UDATA = 0x0F
FORM_REF_ADDR = 0x10
FORM_REF1 = 0x11
FORM_REF2 = 0x12
FORM_REF4 = 0x13
FORM_REF8 = 0x14
FORM_REF_UDATA = 0x15
FORM_INDIRECT = 0x16
FORM_SEC_OFFSET = 0x17
FORM_EXPRLOC = 0x18
FORM_FLAG_PRESENT = 0x19
FORM_STRX = 0x1A
FORM_ADDRX = 0x1B
FORM_REF_SUP4 = 0x1C
FORM_STRP_SUP = 0x1D
FORM_DATA16 = 0x1E
FORM_LINE_STRP = 0x1F
FORM_REF_SIG8 = 0x20
FORM_IMPLICIT_CONST = 0x21
FORM_LOCLISTX = 0x22
FORM_RNGLISTX = 0x23
FORM_REF_SUP8 = 0x24
FORM_STRX1, FORM_STRX2, FORM_STRX3, FORM_STRX4 = 0x25, 0x26, 0x27, 0x28
FORM_ADDRX1, FORM_ADDRX2, FORM_ADDRX3, FORM_ADDRX4 = 0x29, 0x2A, 0x2B, 0x2C
FORM_GNU_ADDR_INDEX = 0x1F01
FORM_GNU_STR_INDEX = 0x1F02
FORM_GNU_REF_ALT = 0x1F20
FORM_GNU_STRP_ALT = 0x1F21

CONSTANT_FORMS = frozenset(
    {FORM_DATA1, FORM_DATA2, FORM_DATA4, FORM_DATA8, FORM_UDATA, FORM_SDATA, FORM_IMPLICIT_CONST}
)
REF_FORMS = frozenset({FORM_REF1, FORM_REF2, FORM_REF4, FORM_REF8, FORM_REF_UDATA})
STRX_FORMS = frozenset(
    {FORM_STRX, FORM_STRX1, FORM_STRX2, FORM_STRX3, FORM_STRX4, FORM_GNU_STR_INDEX}
)
"""Forms whose value indexes .debug_str_offsets."""
STRING_FORMS = frozenset({FORM_STRING, FORM_STRP, FORM_LINE_STRP, FORM_STRP_SUP, FORM_GNU_STRP_ALT})
"""Forms whose value form_string turns into a string without a unit's string offsets."""
ULEB_FORMS = frozenset(
    {
        FORM_UDATA,
        FORM_REF_UDATA,
        FORM_STRX,
        FORM_ADDRX,
        FORM_LOCLISTX,
        FORM_RNGLISTX,
        FORM_GNU_ADDR_INDEX,
        FORM_GNU_STR_INDEX,
    }
)
"""Forms whose value is one unsigned LEB128 number."""


@dataclass(frozen=True, slots=True)
class DwarfSections:
    """Decompressed DWARF sections of one file (empty bytes when absent)."""

    info: bytes
    abbrev: bytes
    line: bytes
    str: bytes = b""
    line_str: bytes = b""
    ranges: bytes = b""
    rnglists: bytes = b""
    addr: bytes = b""
    str_offsets: bytes = b""
    little_endian: bool = True


@dataclass(frozen=True, slots=True)
class UnitHeader:
    """The start every .debug_info unit and .debug_line program shares."""

    end: int
    offset_size: int
    """4 for 32-bit DWARF, 8 for 64-bit DWARF."""
    version: int
    body: int
    """Position right after the version field."""


class SectionReader:
    """Base of the DWARF readers: integers in the file's byte order, unit headers, and
    attribute values by form, which DIEs and line table headers encode alike."""

    def __init__(self, sections: DwarfSections):
        self.s = sections
        e = "<" if sections.little_endian else ">"
        self._u16 = struct.Struct(e + "H").unpack_from
        self._u32 = struct.Struct(e + "I").unpack_from
        self._u64 = struct.Struct(e + "Q").unpack_from

    def _offset(self, data: bytes, pos: int, size: int) -> int:
        return int(self._u32(data, pos)[0] if size == 4 else self._u64(data, pos)[0])

    def _unit_header(self, data: bytes, start: int, what: str, section: str) -> UnitHeader:
        """Initial length (32- or 64-bit DWARF) and version of the unit at `start`; `what`
        and `section` name it in errors ("unit", ".debug_info")."""
        length = self._u32(data, start)[0]
        pos = start + 4
        offset_size = 4
        if length == 0xFFFFFFFF:
            length = self._u64(data, pos)[0]
            pos += 8
            offset_size = 8
        elif length >= 0xFFFFFFF0:
            raise SymbolError(f"bad unit length {length:#x} at {section}+{start:#x}")
        end = pos + length
        if end > len(data):
            raise SymbolError(f"{what} at {section}+{start:#x} runs past the section")
        version = self._u16(data, pos)[0]
        if version < 2 or version > 5:
            raise SymbolError(
                f"unsupported version {version} of the {what} at {section}+{start:#x}"
            )
        return UnitHeader(end, offset_size, version, pos + 2)

    def form_value(
        self,
        data: bytes,
        pos: int,
        form: int,
        const: int,
        address_size: int,
        offset_size: int,
        version: int,
    ) -> tuple[int, int]:
        """The value of one attribute of `form` at `pos`, and the position after it.

        Strings are left undecoded: DW_FORM_string gives its own position in `data`,
        the other string forms their offset or index (see form_string); blocks and
        16-byte data give 0. `const` is the abbreviation's implicit constant.
        """
        if form in (FORM_DATA1, FORM_REF1, FORM_FLAG, FORM_STRX1):
            return data[pos], pos + 1
        if form in (FORM_DATA2, FORM_REF2, FORM_STRX2):
            return self._u16(data, pos)[0], pos + 2
        if form in (FORM_DATA4, FORM_REF4, FORM_STRX4, FORM_REF_SUP4):
            return self._u32(data, pos)[0], pos + 4
        if form in (FORM_DATA8, FORM_REF8, FORM_REF_SIG8, FORM_REF_SUP8):
            return self._u64(data, pos)[0], pos + 8
        if form in (
            FORM_STRP,
            FORM_LINE_STRP,
            FORM_SEC_OFFSET,
            FORM_STRP_SUP,
            FORM_GNU_STRP_ALT,
            FORM_GNU_REF_ALT,
        ):
            return self._offset(data, pos, offset_size), pos + offset_size
        if form == FORM_REF_ADDR:
            size = address_size if version == 2 else offset_size
            return self._offset(data, pos, size), pos + size
        if form == FORM_ADDR:
            return self._offset(data, pos, address_size), pos + address_size
        if form in ULEB_FORMS:
            return uleb(data, pos)
        if form == FORM_SDATA:
            return sleb(data, pos)
        if form == FORM_IMPLICIT_CONST:
            return const, pos
        if form == FORM_FLAG_PRESENT:
            return 1, pos
        if form == FORM_STRING:
            end = data.find(b"\0", pos)
            if end < 0:
                raise SymbolError(f"unterminated string at offset {pos:#x}")
            return pos, end + 1
        if form in (FORM_STRX3, FORM_ADDRX3):
            return data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16, pos + 3
        if form == FORM_ADDRX1:
            return data[pos], pos + 1
        if form == FORM_ADDRX2:
            return self._u16(data, pos)[0], pos + 2
        if form == FORM_ADDRX4:
            return self._u32(data, pos)[0], pos + 4
        if form == FORM_DATA16:
            return 0, pos + 16
        if form in (FORM_BLOCK, FORM_EXPRLOC):
            size, pos = uleb(data, pos)
            return 0, pos + size
        if form == FORM_BLOCK1:
            return 0, pos + 1 + data[pos]
        if form == FORM_BLOCK2:
            return 0, pos + 2 + self._u16(data, pos)[0]
        if form == FORM_BLOCK4:
            return 0, pos + 4 + self._u32(data, pos)[0]
        raise SymbolError(f"unsupported attribute form {form:#x} at offset {pos:#x}")

    def form_string(self, data: bytes, value: int, form: int | None = None) -> str:
        """The string a form_value names: inline in `data` (DW_FORM_string), in
        .debug_line_str, in .debug_str (any other form); "" in a supplementary file,
        which devfiler does not read."""
        if form == FORM_STRING:
            return cstring(data, value)[0]
        if form == FORM_LINE_STRP:
            return cstring(self.s.line_str, value)[0]
        if form in (FORM_GNU_STRP_ALT, FORM_STRP_SUP):
            return ""
        if value >= len(self.s.str):
            raise SymbolError(f"string offset {value:#x} outside .debug_str")
        return cstring(self.s.str, value)[0]


def uleb(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    byte = data[pos]
    pos += 1
    if byte < 0x80:
        return byte, pos
    result = byte & 0x7F
    shift = 7
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def sleb(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            if byte & 0x40:
                result -= 1 << shift
            return result, pos


def cstring(data: bytes, pos: int) -> tuple[str, int]:
    end = data.find(b"\0", pos)
    if end < 0:
        raise SymbolError(f"unterminated string at offset {pos}")
    return data[pos:end].decode("utf-8", "replace"), end + 1
