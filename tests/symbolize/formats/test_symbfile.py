"""The symbfile format: every record form the reader must accept, agreement with the
protobuf runtime, exact round trips of real symbols, and corrupt input."""

from __future__ import annotations

import contextlib
import io
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zstandard

from devfiler.cli import main
from devfiler.model import SourceLine
from devfiler.symbolize.formats.fileid import file_id_of_path
from devfiler.symbolize.formats.symbfile import (
    MAGIC,
    MessageType,
    RangeRecord,
    ReturnPadRecord,
    SymbfileError,
    SymbfileTruncatedError,
    SymbfileWriter,
    encode_varint,
    iter_records,
)
from devfiler.symbolize.formats.symbfile_messages import RangeV1, ReturnPadV1, StringTableV1
from devfiler.symbolize.formats.symbfile_ranges import read_symbfile
from devfiler.symbolize.store.symbol_file import SymbolFile, SymbolFileInfo, write_symbol_file


def _lookup(table: Any, tmp_path: Path, addresses: list[int]) -> list[tuple[SourceLine, ...]]:
    path = tmp_path / "t.sym"
    write_symbol_file(path, SymbolFileInfo(file_id="0" * 32), table)
    return SymbolFile(path).lookup(np.asarray(addresses, dtype=np.uint64))


def _handwritten(out: io.BytesIO) -> None:
    writer = SymbfileWriter(out)
    writer.string_table(["", "main", "a.c", "outer", "inner", "b.h"])
    writer.range(
        RangeRecord(0x1000, 0x100, "main", "a.c", lines=((0, 10), (0x20, 12), (0x80, 14))),
        absolute=True,
    )
    # Strings outside the table are written inline; no call file = the parent's file.
    writer.range(
        RangeRecord(0x1020, 0x20, "inl", "inl.h", call_line=12, depth=1, lines=((4, 3),)),
        refs=False,
    )
    writer.return_pad(
        ReturnPadRecord(0x5000, (SourceLine("outer", "a.c", 30), SourceLine("inner", "b.h", 7)))
    )
    # A pad inside a range adds nothing: the range already answers there.
    writer.return_pad(ReturnPadRecord(0x1010, (SourceLine("outer", "b.h", 1),)), absolute=True)


def test_ranges_pads_refs_and_address_forms(tmp_path: Path) -> None:
    plain = io.BytesIO()
    _handwritten(plain)
    main_at = SourceLine("main", "a.c", 12)
    expected = {
        0x1000: (SourceLine("main", "a.c", 10),),
        0x1010: (SourceLine("main", "a.c", 10),),
        0x1021: (main_at, SourceLine("inl")),
        0x1030: (main_at, SourceLine("inl", "inl.h", 3)),
        0x1050: (main_at,),
        0x10A0: (SourceLine("main", "a.c", 14),),
        0x1100: (),
        0x5000: (SourceLine("outer", "a.c", 30), SourceLine("inner", "b.h", 7)),
        0x5001: (),
    }
    compressed = zstandard.ZstdCompressor().compress(plain.getvalue())
    for data in (plain.getvalue(), compressed):
        table = read_symbfile(io.BytesIO(data))
        assert _lookup(table, tmp_path, list(expected)) == list(expected.values())


def _frame(kind: MessageType, payload: bytes) -> bytes:
    return encode_varint(len(payload)) + encode_varint(kind) + payload


def test_the_reader_accepts_what_the_protobuf_runtime_writes() -> None:
    table = StringTableV1(strings=["", "f", "g.c"])
    first = RangeV1(setElfVA=0x2000, length=0x10, funcRef=1, fileRef=2, depth=0)
    first.lineTable.offset.extend([0, 4])
    first.lineTable.lineNumber.extend([7, 8])
    second = RangeV1(deltaElfVA=-0x1000, length=3, funcStr="h", callLine=9, callFileRef=2, depth=1)
    pad = ReturnPadV1(deltaElfVA=0x500, func=[1], file=[2], line=[77])
    data = MAGIC + _frame(MessageType.HEADER, b"")
    for kind, message in (
        (MessageType.STRING_TABLE, table),
        (MessageType.RANGE, first),
        (MessageType.RANGE, second),
        (MessageType.RETURN_PAD, pad),
    ):
        data += _frame(kind, message.SerializeToString())
    assert list(iter_records(io.BytesIO(data))) == [
        RangeRecord(0x2000, 0x10, "f", "g.c", lines=((0, 7), (4, 8))),
        RangeRecord(0x1000, 3, "h", "", call_line=9, call_file="g.c", depth=1),
        ReturnPadRecord(0x1500, (SourceLine("f", "g.c", 77),)),
    ]


def test_the_protobuf_runtime_reads_what_the_writer_writes() -> None:
    out = io.BytesIO()
    writer = SymbfileWriter(out)
    writer.string_table(["", "f", "g.c"])
    writer.range(RangeRecord(0x2000, 0x10, "f", "g.c", 0, "", 0, ((2, 7), (6, 8))))
    writer.range(RangeRecord(0x1000, 3, "h", "x.c", 9, "g.c", 1), absolute=True)
    writer.return_pad(ReturnPadRecord(0x1500, (SourceLine("f", "g.c", 77),)))
    data = out.getvalue()
    assert data.startswith(MAGIC)
    messages = _messages(data)
    kinds = [kind for kind, _ in messages]
    assert kinds == [1, 4, 2, 2, 3]
    first = RangeV1.FromString(messages[2][1])
    assert (first.deltaElfVA, first.funcRef, first.fileRef) == (0x2000, 1, 2)
    assert list(first.lineTable.offset) == [2, 4]
    assert list(first.lineTable.lineNumber) == [7, 8]
    second = RangeV1.FromString(messages[3][1])
    assert second.WhichOneof("elfVA") == "setElfVA" and second.setElfVA == 0x1000
    assert (second.funcStr, second.fileStr, second.callFileRef) == ("h", "x.c", 2)
    pad = ReturnPadV1.FromString(messages[4][1])
    assert (pad.deltaElfVA, list(pad.func), list(pad.line)) == (0x500, [1], [77])


OLD_CODEC_FILE = bytes.fromhex(
    "73796d6266696c65000120040a000a046d61696e0a03612e630a056f75746572"
    "0a05696e6e65720a03622e6818026080a0800210800248015002420a0a030020"
    "6012030a0c0e1c02084010201a03696e6c2205696e6c2e68280c380142060a01"
    "041201030e020808100848045005280358023802100308b8ff01120203041a02"
    "020522021e0712040a000a076772c3bcc39f650a05c3bc2e7273120208ff9f02"
    "10104801500242060a01001201010602082010041a000e032880928002120101"
    "1a0102220102"
)
"""Written by the hand-made wire codec devfiler used before its message classes."""


def _old_codec_calls(writer: SymbfileWriter) -> None:
    """The writer calls that produced OLD_CODEC_FILE: every address and string form,
    a replaced string table, UTF-8 beyond ASCII, an empty function name."""
    writer.string_table(["", "main", "a.c", "outer", "inner", "b.h"])
    writer.range(
        RangeRecord(0x401000, 0x100, "main", "a.c", lines=((0, 10), (0x20, 12), (0x80, 14))),
        absolute=True,
    )
    writer.range(
        RangeRecord(0x401020, 0x20, "inl", "inl.h", call_line=12, depth=1, lines=((4, 3),)),
        refs=False,
    )
    writer.range(RangeRecord(0x401024, 8, "inner", "b.h", call_line=3, call_file="a.c", depth=2))
    writer.return_pad(
        ReturnPadRecord(0x405000, (SourceLine("outer", "a.c", 30), SourceLine("inner", "b.h", 7)))
    )
    writer.string_table(["", "grüße", "ü.rs"])
    writer.range(RangeRecord(0x400800, 0x10, "grüße", "ü.rs", lines=((0, 1),)))
    writer.range(RangeRecord(0x400810, 4, "", ""), refs=False)
    writer.return_pad(ReturnPadRecord(0x400900, (SourceLine("grüße", "ü.rs", 2),)), absolute=True)


def _messages(data: bytes) -> list[tuple[int, bytes]]:
    """(type, payload) of each message of a plain symbfile with one-byte framing."""
    messages = []
    pos = len(MAGIC)
    while pos < len(data):
        length, kind = data[pos], data[pos + 1]
        messages.append((kind, data[pos + 2 : pos + 2 + length]))
        pos += 2 + length
    return messages


def test_files_of_the_old_codec_read_and_write_alike() -> None:
    assert list(iter_records(io.BytesIO(OLD_CODEC_FILE))) == [
        RangeRecord(0x401000, 0x100, "main", "a.c", lines=((0, 10), (0x20, 12), (0x80, 14))),
        RangeRecord(0x401020, 0x20, "inl", "inl.h", call_line=12, depth=1, lines=((4, 3),)),
        RangeRecord(0x401024, 8, "inner", "b.h", call_line=3, call_file="a.c", depth=2),
        ReturnPadRecord(0x405000, (SourceLine("outer", "a.c", 30), SourceLine("inner", "b.h", 7))),
        RangeRecord(0x400800, 0x10, "grüße", "ü.rs", lines=((0, 1),)),
        RangeRecord(0x400810, 4, "", ""),
        ReturnPadRecord(0x400900, (SourceLine("grüße", "ü.rs", 2),)),
    ]
    out = io.BytesIO()
    _old_codec_calls(SymbfileWriter(out))
    classes = {2: RangeV1, 3: ReturnPadV1, 4: StringTableV1}
    new, old = _messages(out.getvalue()), _messages(OLD_CODEC_FILE)
    assert [kind for kind, _ in new] == [kind for kind, _ in old]
    for (kind, payload), (_, old_payload) in zip(new, old, strict=True):
        if kind in classes:
            parsed = classes[kind].FromString(payload)
            assert parsed == classes[kind].FromString(old_payload)
            assert len(payload) == len(old_payload), "the same fields, only in number order"


def test_names_that_are_not_utf8_are_written_readable() -> None:
    escaped = b"f\xff".decode("utf-8", "surrogateescape")
    out = io.BytesIO()
    writer = SymbfileWriter(out)
    writer.string_table(["", escaped])
    writer.range(RangeRecord(0x10, 4, escaped, escaped))
    writer.range(RangeRecord(0x20, 4, "g", escaped), refs=False)
    assert [(r.func, r.file) for r in iter_records(io.BytesIO(out.getvalue()))] == [
        ("f\ufffd", "f\ufffd"),
        ("g", "f\ufffd"),
    ]


def test_export_then_read_answers_every_address_alike(
    c_program: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["symbols", "add", *data, str(c_program)]) == 0
    file_id = file_id_of_path(c_program)
    out = tmp_path / "inline.symbfile"
    assert main(["symbols", "export", *data, file_id.hex(), str(out)]) == 0
    assert "ranges written to" in capsys.readouterr().out
    stored = SymbolFile(tmp_path / "data" / "symbols" / f"{file_id.hex()}.sym")
    with open(out, "rb") as stream:
        assert stream.read(4) == b"\x28\xb5\x2f\xfd", "exports are zstd-compressed"
        stream.seek(0)
        table = read_symbfile(stream)
    original = stored.to_table()
    points = np.unique(
        np.concatenate([original.start, original.end, original.line_addr, original.start + 1])
    )
    assert any(len(chain) > 1 for chain in stored.lookup(points)), "the program inlines"
    assert _lookup(table, tmp_path, points.tolist()) == stored.lookup(points)
    assert main(["symbols", "export", *data, "00" * 16, str(out)]) == 1


def _valid_plain() -> bytes:
    out = io.BytesIO()
    _handwritten(out)
    return out.getvalue()


def test_truncated_files_say_so() -> None:
    plain = _valid_plain()
    compressed = zstandard.ZstdCompressor().compress(plain * 50)
    with pytest.raises(SymbfileTruncatedError, match="truncated zstd"):
        read_symbfile(io.BytesIO(compressed[: len(compressed) // 2]))
    with pytest.raises(SymbfileTruncatedError, match="truncated symbfile"):
        read_symbfile(io.BytesIO(plain[:-3]))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"symbfilX", "bad magic"),
        (b"\x28\xb5\x2f\xfd\x00\x00" + b"\xff" * 40, "corrupt zstd"),
        (MAGIC + encode_varint(1 << 40) + b"\x02", "larger than allowed"),
        (MAGIC + _frame(MessageType.RANGE, b"\x48\x05"), "string reference 5"),
        (MAGIC + _frame(MessageType.RANGE, b"\x42\x05ab"), "not valid protobuf data"),
        (MAGIC + _frame(MessageType.STRING_TABLE, b"\x0a\x01\xff"), "not valid protobuf data"),
        (MAGIC + _frame(MessageType.RETURN_PAD, b"\x12\x01\x00"), "differ in length"),
        (MAGIC + _frame(MessageType.RANGE, b"\x38" + encode_varint(1 << 20)), "inline depth"),
    ],
)
def test_corrupt_files_raise_symbfile_errors(data: bytes, message: str) -> None:
    with pytest.raises(SymbfileError, match=message):
        read_symbfile(io.BytesIO(data))


def test_damaged_files_never_raise_anything_else() -> None:
    plain = _valid_plain()
    rng = random.Random(5)
    for _ in range(300):
        damaged = bytearray(plain)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(MAGIC), len(damaged))] = rng.randrange(256)
        with contextlib.suppress(SymbfileError):
            read_symbfile(io.BytesIO(bytes(damaged)))
