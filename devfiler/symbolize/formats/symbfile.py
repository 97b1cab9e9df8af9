"""The symbfile format (symbol servers' ranges files): records, reader and writer.

A symbfile is the magic `symbfile` followed by messages, each framed as varint
payload length, varint message type, protobuf payload (schema in
proto/symbfile.proto). Range records describe an instruction range of a
function instance with its inline depth and line table; return-pad records
give the whole inline stack at one call-return address; a string table
message replaces the table that later `*Ref` fields index. Addresses are
absolute or relative to the previous record. Files may be zstd-compressed
(as symbol endpoints serve them); the reader detects that and refuses
truncated streams instead of returning a silently shortened table.

The conversion between these records and the range model of the symbol store
lives in symbfile_ranges.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from typing import BinaryIO

import zstandard

from devfiler.model import SourceLine
from devfiler.symbolize.formats.protowire import (
    LEN,
    VARINT,
    WireError,
    bytes_field,
    encode_varint,
    iter_fields,
    packed_field,
    read_varint,
    unpack_varints,
    varint_field,
    zigzag_decode,
    zigzag_encode,
)

MAGIC = b"symbfile"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
MAX_MESSAGE_BYTES = 64 << 20
"""A single record never needs this much; larger claims are corrupt or hostile."""
MAX_DECOMPRESSED_BYTES = 8 << 30
"""Refuse zstd streams that inflate beyond this (decompression bombs)."""
MAX_DEPTH = 4096
"""Deeper inline nesting than this is not real code."""
_READ_CHUNK = 4096
"""Compressed bytes fed per step: bounds what one step can inflate to."""


class MessageType(IntEnum):
    HEADER = 1
    RANGE = 2
    RETURN_PAD = 3
    STRING_TABLE = 4


class SymbfileError(ValueError):
    """The data is not a complete, valid symbfile; the message says what is wrong."""


class SymbfileTruncatedError(SymbfileError):
    """The data ends early: typically a download cut short, worth fetching again."""


@dataclass(frozen=True, slots=True)
class RangeRecord:
    """An instruction range [elf_va, elf_va + length) of one function instance.

    `lines` are (offset from elf_va, line number) pairs: each line holds from its
    offset to the next one or to the end of the range; before the first offset
    there is no line (code of deeper instances). `call_file` empty means "the file
    of the enclosing record", as the format allows.
    """

    elf_va: int
    length: int
    func: str
    file: str = ""
    call_line: int = 0
    call_file: str = ""
    depth: int = 0
    lines: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class ReturnPadRecord:
    """The inline stack at one address (a return address minus 1), outermost first:
    every frame's file and line is where it stands, the last one's is the pad's own."""

    elf_va: int
    frames: tuple[SourceLine, ...]


Record = RangeRecord | ReturnPadRecord


# -- reading ------------------------------------------------------------------


def iter_records(stream: BinaryIO) -> Iterator[Record]:
    """Records of a symbfile stream, plain or zstd-compressed."""
    chunks = _plain_chunks(stream)
    reader = _Buffered(chunks)
    if reader.take(len(MAGIC)) != MAGIC:
        raise SymbfileError("not a symbfile (bad magic)")
    strings: list[str] = []
    elf_va = 0
    while not reader.at_end():
        length = reader.varint()
        kind = reader.varint()
        if length > MAX_MESSAGE_BYTES:
            raise SymbfileError(f"message of {length} bytes is larger than allowed")
        payload = reader.take(length)
        try:
            if kind == MessageType.STRING_TABLE:
                strings = _string_table(payload)
            elif kind == MessageType.RANGE:
                record: Record = _range(payload, strings, elf_va)
                elf_va = record.elf_va
                yield record
            elif kind == MessageType.RETURN_PAD:
                record = _return_pad(payload, strings, elf_va)
                elf_va = record.elf_va
                yield record
        except (WireError, UnicodeDecodeError) as error:
            raise SymbfileError(f"corrupt {_kind_name(kind)} message: {error}") from error


def _kind_name(kind: int) -> str:
    try:
        return MessageType(kind).name.lower().replace("_", " ")
    except ValueError:
        return f"type {kind}"


def _plain_chunks(stream: BinaryIO) -> Iterator[bytes]:
    head = stream.read(len(ZSTD_MAGIC))
    if head != ZSTD_MAGIC:
        yield head
        while chunk := stream.read(1 << 16):
            yield chunk
        return
    yield from _inflate(head, stream)


def _inflate(head: bytes, stream: BinaryIO) -> Iterator[bytes]:
    """Decompress every frame; a stream that ends inside a frame is an error."""
    decompressor = zstandard.ZstdDecompressor()
    inflater = decompressor.decompressobj()
    total = 0
    pending = head
    in_frame = True
    while True:
        data = pending or stream.read(_READ_CHUNK)
        pending = b""
        if not data:
            break
        if not in_frame:
            inflater = decompressor.decompressobj()
            in_frame = True
        try:
            out = inflater.decompress(data)
        except zstandard.ZstdError as error:
            raise SymbfileError(f"corrupt zstd data: {error}") from error
        total += len(out)
        if total > MAX_DECOMPRESSED_BYTES:
            raise SymbfileError(f"inflates beyond {MAX_DECOMPRESSED_BYTES} bytes")
        if out:
            yield out
        if inflater.eof:
            in_frame = False
            pending = inflater.unused_data
    if in_frame:
        raise SymbfileTruncatedError("truncated zstd stream")


class _Buffered:
    """Pulls chunks on demand so a large file is never held whole."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._buffer = b""
        self._pos = 0

    def _fill(self, needed: int) -> bool:
        """Ensure `needed` bytes are buffered; False at the end of the data."""
        while len(self._buffer) - self._pos < needed:
            chunk = next(self._chunks, None)
            if chunk is None:
                return False
            self._buffer = self._buffer[self._pos :] + chunk
            self._pos = 0
        return True

    def at_end(self) -> bool:
        return not self._fill(1)

    def take(self, count: int) -> bytes:
        if not self._fill(count):
            raise SymbfileTruncatedError("truncated symbfile: a message runs past the end")
        data = self._buffer[self._pos : self._pos + count]
        self._pos += count
        return data

    def varint(self) -> int:
        self._fill(10)
        try:
            value, end = read_varint(self._buffer, self._pos)
        except WireError as error:
            raise SymbfileTruncatedError(f"truncated symbfile: {error}") from error
        self._pos = end
        return value


def _text(value: int | memoryview) -> str:
    if not isinstance(value, memoryview):
        raise WireError("a string field is not length-delimited")
    return str(bytes(value), "utf-8")


def _ref(strings: list[str], value: int | memoryview) -> str:
    if not isinstance(value, int) or value >= len(strings):
        raise WireError(f"string reference {value} outside a table of {len(strings)}")
    return strings[value]


def _repeated(values: list[int], wire: int, value: int | memoryview) -> None:
    """Packed or unpacked repeated varints, as a protobuf reader must accept both."""
    if wire == LEN and isinstance(value, memoryview):
        values.extend(unpack_varints(value))
    elif wire == VARINT and isinstance(value, int):
        values.append(value)
    else:
        raise WireError("repeated field with a wrong wire type")


def _string_table(payload: bytes) -> list[str]:
    return [_text(value) for number, _, value in iter_fields(payload) if number == 1]


def _range(payload: bytes, strings: list[str], previous_va: int) -> RangeRecord:
    elf_va = previous_va
    length = call_line = depth = 0
    func = file = call_file = ""
    offsets: list[int] = []
    numbers: list[int] = []
    for number, _, value in iter_fields(payload):
        if number == 1 and isinstance(value, int):
            elf_va = (previous_va + zigzag_decode(value)) & 0xFFFF_FFFF_FFFF_FFFF
        elif number == 12 and isinstance(value, int):
            elf_va = value
        elif number == 2 and isinstance(value, int):
            length = value
        elif number == 3:
            func = _text(value)
        elif number == 9:
            func = _ref(strings, value)
        elif number == 4:
            file = _text(value)
        elif number == 10:
            file = _ref(strings, value)
        elif number == 5 and isinstance(value, int):
            call_line = value
        elif number == 6:
            call_file = _text(value)
        elif number == 11:
            call_file = _ref(strings, value)
        elif number == 7 and isinstance(value, int):
            depth = value
        elif number == 8 and isinstance(value, memoryview):
            for inner, inner_wire, inner_value in iter_fields(value):
                if inner == 1:
                    _repeated(offsets, inner_wire, inner_value)
                elif inner == 2:
                    _repeated(numbers, inner_wire, inner_value)
    if depth > MAX_DEPTH:
        raise WireError(f"inline depth {depth} is deeper than {MAX_DEPTH}")
    if len(offsets) != len(numbers):
        raise WireError(f"line table has {len(offsets)} offsets but {len(numbers)} lines")
    lines = []
    offset = 0
    for step, line in zip(offsets, numbers, strict=True):
        offset += step
        lines.append((offset, line))
    return RangeRecord(elf_va, length, func, file, call_line, call_file, depth, tuple(lines))


def _return_pad(payload: bytes, strings: list[str], previous_va: int) -> ReturnPadRecord:
    elf_va = previous_va
    funcs: list[int] = []
    files: list[int] = []
    lines: list[int] = []
    for number, wire, value in iter_fields(payload):
        if number == 1 and isinstance(value, int):
            elf_va = (previous_va + zigzag_decode(value)) & 0xFFFF_FFFF_FFFF_FFFF
        elif number == 5 and isinstance(value, int):
            elf_va = value
        elif number == 2:
            _repeated(funcs, wire, value)
        elif number == 3:
            _repeated(files, wire, value)
        elif number == 4:
            _repeated(lines, wire, value)
    if not len(funcs) == len(files) == len(lines):
        raise WireError("return pad columns differ in length")
    if len(funcs) > MAX_DEPTH:
        raise WireError(f"return pad of {len(funcs)} frames is deeper than {MAX_DEPTH}")
    frames = tuple(
        SourceLine(_ref(strings, f), _ref(strings, g), line)
        for f, g, line in zip(funcs, files, lines, strict=True)
    )
    return ReturnPadRecord(elf_va, frames)


# -- writing ------------------------------------------------------------------


class SymbfileWriter:
    """Writes messages one by one; the caller picks string and address forms, so tests
    can produce every variant the reader must accept."""

    def __init__(self, out: BinaryIO):
        self._out = out
        self._strings: dict[str, int] = {}
        self._previous_va = 0
        out.write(MAGIC)
        self._message(MessageType.HEADER, b"")

    def _message(self, kind: MessageType, payload: bytes) -> None:
        self._out.write(encode_varint(len(payload)) + encode_varint(kind) + payload)

    def string_table(self, strings: Iterable[str]) -> None:
        """Replace the table that later references index."""
        table = list(strings)
        self._strings = {text: i for i, text in reversed(list(enumerate(table)))}
        self._message(
            MessageType.STRING_TABLE,
            b"".join(bytes_field(1, s.encode("utf-8", "surrogatepass")) for s in table),
        )

    def _address(self, elf_va: int, absolute: bool, set_number: int) -> bytes:
        delta = elf_va - self._previous_va
        self._previous_va = elf_va
        if absolute:
            return varint_field(set_number, elf_va, always=True)
        return varint_field(1, zigzag_encode(delta), always=True)

    def _string(self, text: str, str_number: int, ref_number: int, refs: bool) -> bytes:
        if refs and text in self._strings:
            return varint_field(ref_number, self._strings[text], always=True)
        return bytes_field(str_number, text.encode("utf-8", "surrogatepass"))

    def range(self, record: RangeRecord, *, refs: bool = True, absolute: bool = False) -> None:
        """Strings in the current table are written as references when `refs`."""
        offsets = [offset for offset, _ in record.lines]
        steps = [b - a for a, b in itertools.pairwise([0, *offsets])]
        line_table = packed_field(1, steps) + packed_field(2, [n for _, n in record.lines])
        payload = b"".join(
            (
                self._address(record.elf_va, absolute, 12),
                varint_field(2, record.length),
                self._string(record.func, 3, 9, refs),
                self._string(record.file, 4, 10, refs) if record.file else b"",
                varint_field(5, record.call_line),
                self._string(record.call_file, 6, 11, refs) if record.call_file else b"",
                varint_field(7, record.depth),
                bytes_field(8, line_table) if line_table else b"",
            )
        )
        self._message(MessageType.RANGE, payload)

    def return_pad(self, record: ReturnPadRecord, *, absolute: bool = False) -> None:
        """Every string must be in the current table (the format has only references)."""
        try:
            funcs = [self._strings[f.function] for f in record.frames]
            files = [self._strings[f.file] for f in record.frames]
        except KeyError as error:
            raise ValueError(f"{error} is not in the string table") from None
        payload = (
            self._address(record.elf_va, absolute, 5)
            + packed_field(2, funcs)
            + packed_field(3, files)
            + packed_field(4, [f.line for f in record.frames])
        )
        self._message(MessageType.RETURN_PAD, payload)
