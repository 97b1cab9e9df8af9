"""Attribute values by form, as DIEs and version 5 line table headers both decode them."""

from __future__ import annotations

import pytest

from devfiler.symbolize.formats.dwarf_forms import (
    FORM_ADDR,
    FORM_BLOCK1,
    FORM_DATA2,
    FORM_DATA16,
    FORM_FLAG_PRESENT,
    FORM_IMPLICIT_CONST,
    FORM_LINE_STRP,
    FORM_REF_ADDR,
    FORM_SDATA,
    FORM_STRING,
    FORM_STRP,
    FORM_STRX3,
    FORM_UDATA,
    DwarfSections,
    SectionReader,
)
from devfiler.symbolize.formats.errors import SymbolError

READER = SectionReader(
    DwarfSections(info=b"", abbrev=b"", line=b"", str=b"\0main\0", line_str=b"a.c\0")
)
TAIL = b"\xee"
"""A byte after each value: the position returned must point at it."""


@pytest.mark.parametrize(
    ("form", "data", "sizes", "value"),
    [
        (FORM_ADDR, (0x401000).to_bytes(8, "little"), (8, 4, 5), 0x401000),
        (FORM_ADDR, (0x8000).to_bytes(4, "little"), (4, 4, 5), 0x8000),
        (FORM_DATA2, b"\x34\x12", (8, 4, 5), 0x1234),
        (FORM_UDATA, b"\xe5\x8e\x26", (8, 4, 5), 624485),
        (FORM_SDATA, b"\xc0\xbb\x78", (8, 4, 5), -123456),
        (FORM_STRP, (1).to_bytes(8, "little"), (8, 8, 5), 1),
        (FORM_REF_ADDR, (7).to_bytes(8, "little"), (8, 4, 2), 7),
        (FORM_REF_ADDR, (7).to_bytes(4, "little"), (8, 4, 3), 7),
        (FORM_STRX3, b"\x01\x02\x03", (8, 4, 5), 0x030201),
        (FORM_DATA16, bytes(16), (8, 4, 5), 0),
        (FORM_BLOCK1, b"\x02ab", (8, 4, 5), 0),
        (FORM_FLAG_PRESENT, b"", (8, 4, 5), 1),
        (FORM_IMPLICIT_CONST, b"", (8, 4, 5), -3),
    ],
)
def test_values_and_lengths(
    form: int, data: bytes, sizes: tuple[int, int, int], value: int
) -> None:
    assert READER.form_value(b"\0" + data + TAIL, 1, form, -3, *sizes) == (value, len(data) + 1)


def test_strings_by_form() -> None:
    inline = b"\0lib.c\0" + TAIL
    position, after = READER.form_value(inline, 1, FORM_STRING, 0, 8, 4, 5)
    assert inline[after:] == TAIL
    assert READER.form_string(inline, position, FORM_STRING) == "lib.c"
    assert READER.form_string(b"", 0, FORM_LINE_STRP) == "a.c"
    assert READER.form_string(b"", 1, FORM_STRP) == "main"
    with pytest.raises(SymbolError, match=r"outside \.debug_str"):
        READER.form_string(b"", 99, FORM_STRP)


def test_bad_forms_and_strings_are_errors() -> None:
    with pytest.raises(SymbolError, match="unsupported attribute form 0x7f"):
        READER.form_value(b"\0\0", 0, 0x7F, 0, 8, 4, 5)
    with pytest.raises(SymbolError, match="unterminated string"):
        READER.form_value(b"abc", 0, FORM_STRING, 0, 8, 4, 5)
