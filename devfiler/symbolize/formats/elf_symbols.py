"""Function symbols of an ELF symbol table (.symtab or .dynsym) as depth-0 ranges.

Only typed functions (STT_FUNC, STT_GNU_IFUNC) with a size and a section are
taken; names stay mangled here (demangling happens once for every source).
"""

from __future__ import annotations

import numpy as np

from devfiler.symbolize.formats.elf_image import ElfImage
from devfiler.symbolize.formats.errors import SymbolError
from devfiler.symbolize.formats.ranges import RangeBuilder, RangeTable

_STT_FUNC = 2
_STT_GNU_IFUNC = 10
_SHN_UNDEF = 0
_SHN_LORESERVE = 0xFF00
_EM_ARM = 40


def _symbol_dtype(image: ElfImage) -> np.dtype[np.void]:
    e = image.endian
    if image.address_size == 8:
        fields = [
            ("name", e + "u4"),
            ("info", "u1"),
            ("other", "u1"),
            ("shndx", e + "u2"),
            ("value", e + "u8"),
            ("size", e + "u8"),
        ]
    else:
        fields = [
            ("name", e + "u4"),
            ("value", e + "u4"),
            ("size", e + "u4"),
            ("info", "u1"),
            ("other", "u1"),
            ("shndx", e + "u2"),
        ]
    return np.dtype(fields)


def symbol_table_ranges(image: ElfImage, section: str) -> RangeTable:
    """Ranges of the functions in `section` (empty table when the file has none)."""
    builder = RangeBuilder()
    if not image.has_section(section) or image.section_type(section) == "SHT_NOBITS":
        return builder.build()
    data = image.section(section) or b""
    strings = image.section(image.section_link(section)) or b""
    dtype = _symbol_dtype(image)
    count = len(data) // dtype.itemsize
    symbols = np.frombuffer(data, dtype=dtype, count=count)
    kind = symbols["info"] & 0xF
    shndx = symbols["shndx"]
    pick = (
        ((kind == _STT_FUNC) | (kind == _STT_GNU_IFUNC))
        & (symbols["size"] > 0)
        & (shndx != _SHN_UNDEF)
        & (shndx < _SHN_LORESERVE)
    )
    chosen = symbols[pick]
    thumb_mask = ~1 if image.elf["e_machine"] in ("EM_ARM", _EM_ARM) else ~0
    for name_offset, value, size in zip(
        chosen["name"].tolist(), chosen["value"].tolist(), chosen["size"].tolist(), strict=True
    ):
        if name_offset >= len(strings):
            raise SymbolError(f"{section}: symbol name offset {name_offset:#x} outside its strings")
        end = strings.find(b"\0", name_offset)
        name = strings[name_offset : end if end >= 0 else len(strings)].decode("utf-8", "replace")
        start = value & thumb_mask
        builder.add_range(start, start + size, 0, builder.intern(name))
    return builder.build()
