"""DWARF 2-5 reader focused on what symbolization needs, fast enough for big libraries.

It walks .debug_info once, decoding only subprograms and inlined subroutines
(plus the compile unit); every other DIE is skipped with a per-abbreviation
plan (a fixed byte count where the forms allow, a jump to DW_AT_sibling for
subtrees that cannot hold code). Function names are resolved afterwards
through DW_AT_specification / DW_AT_abstract_origin by decoding only the DIEs
referred to. Line programs are decoded per compile unit into one line table.

Every loop advances through a bounded section, so corrupt input ends in a
SymbolError (or an IndexError/struct.error turned into one by the caller).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from devfiler.symbolize.formats.dwarf_forms import (
    AT_ABSTRACT_ORIGIN,
    AT_ADDR_BASE,
    AT_CALL_FILE,
    AT_CALL_LINE,
    AT_COMP_DIR,
    AT_GNU_ADDR_BASE,
    AT_GNU_RANGES_BASE,
    AT_HIGH_PC,
    AT_LINKAGE_NAME,
    AT_LOW_PC,
    AT_MIPS_LINKAGE_NAME,
    AT_NAME,
    AT_RANGES,
    AT_RNGLISTS_BASE,
    AT_SIBLING,
    AT_SPECIFICATION,
    AT_STMT_LIST,
    AT_STR_OFFSETS_BASE,
    CONSTANT_FORMS,
    FORM_ADDR,
    FORM_ADDRX,
    FORM_ADDRX1,
    FORM_ADDRX2,
    FORM_ADDRX3,
    FORM_ADDRX4,
    FORM_BLOCK,
    FORM_BLOCK1,
    FORM_BLOCK2,
    FORM_BLOCK4,
    FORM_DATA1,
    FORM_DATA2,
    FORM_DATA4,
    FORM_DATA8,
    FORM_DATA16,
    FORM_EXPRLOC,
    FORM_FLAG,
    FORM_FLAG_PRESENT,
    FORM_GNU_ADDR_INDEX,
    FORM_GNU_REF_ALT,
    FORM_GNU_STRP_ALT,
    FORM_IMPLICIT_CONST,
    FORM_INDIRECT,
    FORM_LINE_STRP,
    FORM_REF1,
    FORM_REF2,
    FORM_REF4,
    FORM_REF8,
    FORM_REF_ADDR,
    FORM_REF_SIG8,
    FORM_REF_SUP4,
    FORM_REF_SUP8,
    FORM_RNGLISTX,
    FORM_SDATA,
    FORM_SEC_OFFSET,
    FORM_STRING,
    FORM_STRP,
    FORM_STRP_SUP,
    FORM_STRX1,
    FORM_STRX2,
    FORM_STRX3,
    FORM_STRX4,
    REF_FORMS,
    STRX_FORMS,
    ULEB_FORMS,
    DwarfSections,
    SectionReader,
    sleb,
    uleb,
)
from devfiler.symbolize.formats.dwarf_lines import LineProgramReader
from devfiler.symbolize.formats.errors import SymbolError
from devfiler.symbolize.formats.ranges import RangeBuilder

TAG_COMPILE_UNIT = 0x11
TAG_PARTIAL_UNIT = 0x3C
TAG_SUBPROGRAM = 0x2E
TAG_INLINED_SUBROUTINE = 0x1D
_CONTAINER_TAGS = frozenset(
    {
        0x02,  # class_type
        0x0B,  # lexical_block
        0x13,  # structure_type
        0x17,  # union_type
        0x1E,  # module
        0x25,  # catch_block
        0x32,  # try_block
        0x39,  # namespace
        TAG_COMPILE_UNIT,
        TAG_PARTIAL_UNIT,
        TAG_SUBPROGRAM,
        TAG_INLINED_SUBROUTINE,
    }
)
"""Tags whose children may hold code; other subtrees are skipped via DW_AT_sibling."""

# Skip plan opcodes (non-negative numbers are fixed byte counts).
_SKIP_LEB = -1
_SKIP_CSTRING = -2
_SKIP_BLOCK_LEB = -3
_SKIP_BLOCK1 = -4
_SKIP_BLOCK2 = -5
_SKIP_BLOCK4 = -6
_SKIP_INDIRECT = -7
_MAX_REFERENCE_CHAIN = 16
_TOMBSTONES = (0, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFE)
"""Addresses linkers give to code they discarded."""


@dataclass(slots=True)
class _Abbrev:
    tag: int
    has_children: bool
    attrs: list[tuple[int, int, int]]
    """(attribute, form, implicit constant)."""
    wanted: bool
    fixed_size: int
    """Total size when every form has a fixed size, else -1."""
    skip_plan: list[int]
    sibling_offset: int
    """Byte offset of a DW_AT_sibling ref4 inside the DIE when fixed, else -1."""


@dataclass(slots=True)
class _Unit:
    """What later steps need to know about one compile unit."""

    offset: int
    end: int
    version: int
    address_size: int
    offset_size: int
    abbrevs: dict[int, _Abbrev]
    low_pc: int = 0
    str_offsets_base: int = 0
    addr_base: int = 0
    rnglists_base: int = 0
    files: list[int] = field(default_factory=list)
    """Interned file names of the unit's line table, by DWARF file index."""


class DwarfReader(SectionReader):
    """Extracts ranges (with inline depth) and line rows from DWARF sections."""

    def __init__(self, sections: DwarfSections, builder: RangeBuilder):
        super().__init__(sections)
        self.b = builder
        self._abbrev_cache: dict[tuple[int, int, int], dict[int, _Abbrev]] = {}
        self._units: list[_Unit] = []
        self._unit_starts: list[int] = []
        self._names: dict[int, int] = {}
        self.linkage_names: set[int] = set()
        self.function_entries: list[int] = []
        """Indexes of the ranges where functions (depth 0) start: their lowest span."""
        """Interned names that came from DW_AT_linkage_name (the others are plain names)."""
        self._lines_done: dict[int, list[int]] = {}
        # (range index in builder, name reference offset) resolved after the walk
        self._pending_names: list[tuple[int, int]] = []

    # -- entry point -----------------------------------------------------

    def read(self) -> None:
        info = self.s.info
        pos = 0
        while pos + 11 <= len(info):
            unit_start = pos
            header = self._unit_header(info, unit_start, "unit", ".debug_info")
            end = header.end
            offset_size = header.offset_size
            version = header.version
            pos = header.body
            if version >= 5:
                unit_type = info[pos]
                address_size = info[pos + 1]
                pos += 2
                abbrev_offset = self._offset(info, pos, offset_size)
                pos += offset_size
                if unit_type not in (1, 3):  # compile, partial: others hold no code here
                    pos = end
                    continue
            else:
                abbrev_offset = self._offset(info, pos, offset_size)
                pos += offset_size
                address_size = info[pos]
                pos += 1
            if address_size not in (4, 8):
                raise SymbolError(f"bad address size {address_size} at +{unit_start:#x}")
            unit = _Unit(
                offset=unit_start,
                end=end,
                version=version,
                address_size=address_size,
                offset_size=offset_size,
                abbrevs=self._abbrevs(abbrev_offset, address_size, offset_size),
            )
            self._units.append(unit)
            self._unit_starts.append(unit_start)
            self._walk_unit(unit, pos)
            pos = end
        self._resolve_names()

    # -- abbreviations ---------------------------------------------------

    def _abbrevs(self, offset: int, address_size: int, offset_size: int) -> dict[int, _Abbrev]:
        key = (offset, address_size, offset_size)
        cached = self._abbrev_cache.get(key)
        if cached is not None:
            return cached
        data = self.s.abbrev
        if offset >= len(data):
            raise SymbolError(f"abbreviation offset {offset:#x} outside .debug_abbrev")
        table: dict[int, _Abbrev] = {}
        pos = offset
        while True:
            code, pos = uleb(data, pos)
            if code == 0:
                break
            tag, pos = uleb(data, pos)
            has_children = data[pos] != 0
            pos += 1
            attrs: list[tuple[int, int, int]] = []
            while True:
                attr, pos = uleb(data, pos)
                form, pos = uleb(data, pos)
                if attr == 0 and form == 0:
                    break
                const = 0
                if form == FORM_IMPLICIT_CONST:
                    const, pos = sleb(data, pos)
                attrs.append((attr, form, const))
            table[code] = self._compile_abbrev(tag, has_children, attrs, address_size, offset_size)
        self._abbrev_cache[key] = table
        return table

    def _compile_abbrev(
        self,
        tag: int,
        has_children: bool,
        attrs: list[tuple[int, int, int]],
        address_size: int,
        offset_size: int,
    ) -> _Abbrev:
        plan: list[int] = []
        fixed = 0
        all_fixed = True
        sibling_offset = -1
        for attr, form, _ in attrs:
            if attr == AT_SIBLING and form == FORM_REF4 and all_fixed:
                sibling_offset = fixed
            size = _fixed_form_size(form, address_size, offset_size)
            if size is not None:
                fixed += size
                if plan and plan[-1] >= 0:
                    plan[-1] += size
                else:
                    plan.append(size)
                continue
            all_fixed = False
            plan.append(_variable_skip(form))
        wanted = tag in (TAG_SUBPROGRAM, TAG_INLINED_SUBROUTINE, TAG_COMPILE_UNIT, TAG_PARTIAL_UNIT)
        return _Abbrev(
            tag=tag,
            has_children=has_children,
            attrs=attrs,
            wanted=wanted,
            fixed_size=fixed if all_fixed else -1,
            skip_plan=plan,
            sibling_offset=sibling_offset if tag not in _CONTAINER_TAGS else -1,
        )

    # -- the walk --------------------------------------------------------

    def _walk_unit(self, unit: _Unit, pos: int) -> None:
        info = self.s.info
        abbrevs = unit.abbrevs
        end = unit.end
        unit_offset = unit.offset
        u32 = self._u32
        skip = self._skip
        read_attrs = self._read_attrs
        b = self.b
        # One entry per open DIE with children: the inline depth its children get
        # (-1 = not inside any function).
        stack: list[int] = []
        depth = -1
        first = True
        while pos < end:
            code = info[pos]
            pos += 1
            if code >= 0x80:
                code, pos = uleb(info, pos - 1)
            if code == 0:
                if stack:
                    depth = stack.pop()
                continue
            ab = abbrevs.get(code)
            if ab is None:
                raise SymbolError(f"unknown abbreviation {code} at .debug_info+{pos - 1:#x}")
            if not ab.wanted:
                if ab.sibling_offset >= 0 and ab.has_children:
                    target = unit_offset + u32(info, pos + ab.sibling_offset)[0]
                    if pos < target <= end:
                        pos = target
                        continue
                pos = pos + ab.fixed_size if ab.fixed_size >= 0 else skip(ab.skip_plan, pos)
                if ab.has_children:
                    stack.append(depth)
                continue
            values, pos = read_attrs(unit, ab, pos)
            child_depth = depth
            tag = ab.tag
            if first:
                first = False
                if tag in (TAG_COMPILE_UNIT, TAG_PARTIAL_UNIT):
                    self._start_unit(unit, values)
            elif tag == TAG_SUBPROGRAM or (tag == TAG_INLINED_SUBROUTINE and depth >= 0):
                own_depth = 0 if tag == TAG_SUBPROGRAM else depth + 1
                spans = self._spans(unit, values)
                if spans:
                    child_depth = own_depth
                    name_ref = self._name_reference(unit, values)
                    func = self._direct_name(unit, values) if name_ref < 0 else -1
                    call_file = 0
                    call_line = 0
                    if tag == TAG_INLINED_SUBROUTINE:
                        call_file = self._file_name(unit, values.get(AT_CALL_FILE, 0))
                        call_line = int(values.get(AT_CALL_LINE, 0))
                    if own_depth == 0:
                        lowest = min(range(len(spans)), key=lambda i: spans[i][0])
                        self.function_entries.append(len(b.starts) + lowest)
                    for start, stop in spans:
                        if func < 0:
                            self._pending_names.append((len(b.starts), name_ref))
                        b.add_range(start, stop, own_depth, max(func, 0), call_file, call_line)
                elif tag == TAG_SUBPROGRAM:
                    # An abstract instance or declaration: no code below it.
                    sibling = values.get(AT_SIBLING)
                    if ab.has_children and sibling is not None:
                        target = unit_offset + sibling
                        if pos < target <= end:
                            pos = target
                            continue
                    child_depth = -1
            if ab.has_children:
                stack.append(depth)
                depth = child_depth

    def _skip(self, plan: list[int], pos: int) -> int:
        info = self.s.info
        for op in plan:
            if op >= 0:
                pos += op
            elif op == _SKIP_LEB:
                while info[pos] & 0x80:
                    pos += 1
                pos += 1
            elif op == _SKIP_CSTRING:
                end = info.find(b"\0", pos)
                if end < 0:
                    raise SymbolError(f"unterminated string at .debug_info+{pos:#x}")
                pos = end + 1
            elif op == _SKIP_BLOCK_LEB:
                size, pos = uleb(info, pos)
                pos += size
            elif op == _SKIP_BLOCK1:
                pos += 1 + info[pos]
            elif op == _SKIP_BLOCK2:
                pos += 2 + self._u16(info, pos)[0]
            elif op == _SKIP_BLOCK4:
                pos += 4 + self._u32(info, pos)[0]
            else:
                raise SymbolError(f"DW_FORM_indirect is not supported (at +{pos:#x})")
        return pos

    def _read_attrs(self, unit: _Unit, ab: _Abbrev, pos: int) -> tuple[dict[int, int], int]:
        """Values of a DIE's attributes; values[attr | _FORM_KEY] holds each one's form.

        String attributes hold an offset whose meaning the form tells (see _string).
        """
        values: dict[int, int] = {}
        info = self.s.info
        form_value = self.form_value
        address_size, offset_size, version = unit.address_size, unit.offset_size, unit.version
        for attr, form, const in ab.attrs:
            values[attr], pos = form_value(
                info, pos, form, const, address_size, offset_size, version
            )
            values[attr | _FORM_KEY] = form
        return values, pos

    # -- units and their line tables ------------------------------------

    def _start_unit(self, unit: _Unit, values: dict[int, int]) -> None:
        unit.str_offsets_base = values.get(AT_STR_OFFSETS_BASE, 8 if unit.version >= 5 else 0)
        unit.addr_base = values.get(AT_ADDR_BASE, values.get(AT_GNU_ADDR_BASE, 0))
        unit.rnglists_base = values.get(AT_RNGLISTS_BASE, values.get(AT_GNU_RANGES_BASE, 0))
        if AT_LOW_PC in values:
            unit.low_pc = self._address(unit, values[AT_LOW_PC], values[AT_LOW_PC | _FORM_KEY])
        comp_dir = ""
        if AT_COMP_DIR in values:
            comp_dir = self._string(unit, values[AT_COMP_DIR], values.get(AT_COMP_DIR | _FORM_KEY))
        if AT_STMT_LIST in values:
            offset = values[AT_STMT_LIST]
            files = self._lines_done.get(offset)
            if files is None:
                files = LineProgramReader(self.s, self.b, offset, comp_dir).read()
                self._lines_done[offset] = files
            unit.files = files

    def _file_name(self, unit: _Unit, index: int) -> int:
        return unit.files[index] if 0 <= index < len(unit.files) else 0

    # -- values ----------------------------------------------------------

    def _address(self, unit: _Unit, value: int, form: int) -> int:
        if form in (FORM_ADDRX, FORM_ADDRX1, FORM_ADDRX2, FORM_ADDRX3, FORM_ADDRX4):
            return self._indexed_address(unit, value)
        if form == FORM_GNU_ADDR_INDEX:
            return self._indexed_address(unit, value)
        return value

    def _indexed_address(self, unit: _Unit, index: int) -> int:
        pos = unit.addr_base + index * unit.address_size
        if pos + unit.address_size > len(self.s.addr):
            raise SymbolError(f"address index {index} outside .debug_addr")
        return self._offset(self.s.addr, pos, unit.address_size)

    def _string(self, unit: _Unit, value: int, form: int | None) -> str:
        if form in STRX_FORMS:
            pos = unit.str_offsets_base + value * unit.offset_size
            if pos + unit.offset_size > len(self.s.str_offsets):
                raise SymbolError(f"string index {value} outside .debug_str_offsets")
            return self.form_string(b"", self._offset(self.s.str_offsets, pos, unit.offset_size))
        return self.form_string(self.s.info, value, form)

    def _spans(self, unit: _Unit, values: dict[int, int]) -> list[tuple[int, int]]:
        """Address ranges of a DIE: low/high pc or DW_AT_ranges; discarded code dropped."""
        if AT_LOW_PC in values:
            low = self._address(unit, values[AT_LOW_PC], values[AT_LOW_PC | _FORM_KEY])
            if low in _TOMBSTONES or AT_HIGH_PC not in values:
                return []
            high = values[AT_HIGH_PC]
            high_form = values[AT_HIGH_PC | _FORM_KEY]
            if high_form in CONSTANT_FORMS:
                high += low
            else:
                high = self._address(unit, high, high_form)
            return [(low, high)] if high > low else []
        if AT_RANGES in values:
            return [
                (lo, hi)
                for lo, hi in self._range_list(
                    unit, values[AT_RANGES], values[AT_RANGES | _FORM_KEY]
                )
                if lo not in _TOMBSTONES and hi > lo
            ]
        return []

    def _range_list(self, unit: _Unit, value: int, form: int) -> list[tuple[int, int]]:
        if unit.version < 5:
            return self._ranges_v4(unit, value)
        if form == FORM_RNGLISTX:
            table = self.s.rnglists
            pos = unit.rnglists_base + value * unit.offset_size
            if pos + unit.offset_size > len(table):
                raise SymbolError(f"range list index {value} outside .debug_rnglists")
            value = unit.rnglists_base + self._offset(table, pos, unit.offset_size)
        return self._rnglists(unit, value)

    def _ranges_v4(self, unit: _Unit, offset: int) -> list[tuple[int, int]]:
        data = self.s.ranges
        size = unit.address_size
        most = (1 << (8 * size)) - 1
        base = unit.low_pc
        result: list[tuple[int, int]] = []
        pos = offset
        while pos + 2 * size <= len(data):
            start = self._offset(data, pos, size)
            end = self._offset(data, pos + size, size)
            pos += 2 * size
            if start == 0 and end == 0:
                return result
            if start == most:
                base = end
                continue
            result.append((base + start, base + end))
        raise SymbolError(f"range list at .debug_ranges+{offset:#x} is not terminated")

    def _rnglists(self, unit: _Unit, offset: int) -> list[tuple[int, int]]:
        data = self.s.rnglists
        size = unit.address_size
        base = unit.low_pc
        result: list[tuple[int, int]] = []
        pos = offset
        while pos < len(data):
            kind = data[pos]
            pos += 1
            if kind == 0:  # end_of_list
                return result
            if kind == 1:  # base_addressx
                index, pos = uleb(data, pos)
                base = self._indexed_address(unit, index)
            elif kind == 2:  # startx_endx
                a, pos = uleb(data, pos)
                z, pos = uleb(data, pos)
                result.append((self._indexed_address(unit, a), self._indexed_address(unit, z)))
            elif kind == 3:  # startx_length
                a, pos = uleb(data, pos)
                n, pos = uleb(data, pos)
                start = self._indexed_address(unit, a)
                result.append((start, start + n))
            elif kind == 4:  # offset_pair
                a, pos = uleb(data, pos)
                z, pos = uleb(data, pos)
                result.append((base + a, base + z))
            elif kind == 5:  # base_address
                base = self._offset(data, pos, size)
                pos += size
            elif kind == 6:  # start_end
                result.append((self._offset(data, pos, size), self._offset(data, pos + size, size)))
                pos += 2 * size
            elif kind == 7:  # start_length
                start = self._offset(data, pos, size)
                n, pos = uleb(data, pos + size)
                result.append((start, start + n))
            else:
                raise SymbolError(f"bad range list entry {kind} at .debug_rnglists+{pos - 1:#x}")
        raise SymbolError(f"range list at .debug_rnglists+{offset:#x} is not terminated")

    # -- function names --------------------------------------------------

    def _name_reference(self, unit: _Unit, values: dict[int, int]) -> int:
        """Offset of the DIE that names this one, or -1 when it carries its own name."""
        if AT_LINKAGE_NAME in values or AT_MIPS_LINKAGE_NAME in values:
            return -1
        for attr in (AT_ABSTRACT_ORIGIN, AT_SPECIFICATION):
            if attr in values:
                return self._reference(unit, values[attr], values[attr | _FORM_KEY])
        return -1

    def _reference(self, unit: _Unit, value: int, form: int) -> int:
        if form in REF_FORMS:
            return unit.offset + value
        if form == FORM_REF_ADDR:
            return value
        return -1

    def _direct_name(self, unit: _Unit, values: dict[int, int]) -> int:
        for attr in (AT_LINKAGE_NAME, AT_MIPS_LINKAGE_NAME, AT_NAME):
            if attr in values:
                name = self.b.intern(self._string(unit, values[attr], values[attr | _FORM_KEY]))
                if attr != AT_NAME:
                    self.linkage_names.add(name)
                return name
        return 0

    def _resolve_names(self) -> None:
        funcs = self.b.funcs
        for index, offset in self._pending_names:
            funcs[index] = self._name_at(offset)

    def _name_at(self, offset: int) -> int:
        """Name of the DIE at `offset`, following its own references; memoized."""
        cached = self._names.get(offset)
        if cached is not None:
            return cached
        name = 0
        plain = 0
        current = offset
        for _ in range(_MAX_REFERENCE_CHAIN):
            found = self._decode_die_at(current)
            if found is None:
                break
            unit, values = found
            for attr in (AT_LINKAGE_NAME, AT_MIPS_LINKAGE_NAME):
                if attr in values:
                    name = self.b.intern(self._string(unit, values[attr], values[attr | _FORM_KEY]))
                    self.linkage_names.add(name)
                    break
            if name:
                break
            if not plain and AT_NAME in values:
                plain = self.b.intern(
                    self._string(unit, values[AT_NAME], values[AT_NAME | _FORM_KEY])
                )
            next_ref = -1
            for attr in (AT_ABSTRACT_ORIGIN, AT_SPECIFICATION):
                if attr in values:
                    next_ref = self._reference(unit, values[attr], values[attr | _FORM_KEY])
                    break
            if next_ref < 0 or next_ref == current:
                break
            current = next_ref
        result = name or plain
        self._names[offset] = result
        return result

    def _decode_die_at(self, offset: int) -> tuple[_Unit, dict[int, int]] | None:
        index = bisect_right(self._unit_starts, offset) - 1
        if index < 0:
            return None
        unit = self._units[index]
        if not unit.offset < offset < unit.end:
            return None
        info = self.s.info
        code, pos = uleb(info, offset)
        ab = unit.abbrevs.get(code)
        if ab is None:
            return None
        values, _ = self._read_attrs(unit, ab, pos)
        return unit, values


_FORM_KEY = 1 << 20
"""values[attr | _FORM_KEY] holds the form of attributes whose meaning depends on it."""


def _fixed_form_size(form: int, address_size: int, offset_size: int) -> int | None:
    sizes = {
        FORM_ADDR: address_size,
        FORM_DATA1: 1,
        FORM_REF1: 1,
        FORM_FLAG: 1,
        FORM_STRX1: 1,
        FORM_ADDRX1: 1,
        FORM_DATA2: 2,
        FORM_REF2: 2,
        FORM_STRX2: 2,
        FORM_ADDRX2: 2,
        FORM_STRX3: 3,
        FORM_ADDRX3: 3,
        FORM_DATA4: 4,
        FORM_REF4: 4,
        FORM_STRX4: 4,
        FORM_ADDRX4: 4,
        FORM_REF_SUP4: 4,
        FORM_DATA8: 8,
        FORM_REF8: 8,
        FORM_REF_SIG8: 8,
        FORM_REF_SUP8: 8,
        FORM_DATA16: 16,
        FORM_STRP: offset_size,
        FORM_LINE_STRP: offset_size,
        FORM_SEC_OFFSET: offset_size,
        FORM_REF_ADDR: offset_size,
        FORM_STRP_SUP: offset_size,
        FORM_GNU_REF_ALT: offset_size,
        FORM_GNU_STRP_ALT: offset_size,
        FORM_FLAG_PRESENT: 0,
        FORM_IMPLICIT_CONST: 0,
    }
    return sizes.get(form)


def _variable_skip(form: int) -> int:
    if form in ULEB_FORMS or form == FORM_SDATA:
        return _SKIP_LEB
    if form == FORM_STRING:
        return _SKIP_CSTRING
    if form in (FORM_BLOCK, FORM_EXPRLOC):
        return _SKIP_BLOCK_LEB
    if form == FORM_BLOCK1:
        return _SKIP_BLOCK1
    if form == FORM_BLOCK2:
        return _SKIP_BLOCK2
    if form == FORM_BLOCK4:
        return _SKIP_BLOCK4
    if form == FORM_INDIRECT:
        return _SKIP_INDIRECT
    raise SymbolError(f"unsupported attribute form {form:#x} in .debug_abbrev")
