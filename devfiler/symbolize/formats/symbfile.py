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
from typing import Any, BinaryIO

import zstandard
from google.protobuf.message import DecodeError

from devfiler.model import SourceLine
from devfiler.symbolize.formats.symbfile_messages import RangeV1, ReturnPadV1, StringTableV1

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
_MAX_VARINT_BYTES = 10
_U64_MASK = 0xFFFF_FFFF_FFFF_FFFF
_HALF = 1 << 63


class MessageType(IntEnum):
    HEADER = 1
    RANGE = 2
    RETURN_PAD = 3
    STRING_TABLE = 4


class SymbfileError(ValueError):
    """The data is not a complete, valid symbfile; the message says what is wrong."""


class SymbfileTruncatedError(SymbfileError):
    """The data ends early: typically a download cut short, worth fetching again."""


class _RecordError(ValueError):
    """A message that parses but makes no record (a bad reference, columns that differ)."""


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
                strings = list(StringTableV1.FromString(payload).strings)
            elif kind == MessageType.RANGE:
                record: Record = _range(payload, strings, elf_va)
                elf_va = record.elf_va
                yield record
            elif kind == MessageType.RETURN_PAD:
                record = _return_pad(payload, strings, elf_va)
                elf_va = record.elf_va
                yield record
        except DecodeError as error:
            raise SymbfileError(
                f"corrupt {_kind_name(kind)} message: not valid protobuf data ({error})"
            ) from error
        except _RecordError as error:
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
        """A framing varint (payload length or message type)."""
        self._fill(_MAX_VARINT_BYTES)
        value = shift = 0
        end = min(len(self._buffer), self._pos + _MAX_VARINT_BYTES)
        for pos in range(self._pos, end):
            byte = self._buffer[pos]
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                self._pos = pos + 1
                return value & _U64_MASK
            shift += 7
        raise SymbfileTruncatedError(f"truncated symbfile: truncated or overlong varint at {end}")


def _ref(strings: list[str], index: int) -> str:
    if index >= len(strings):
        raise _RecordError(f"string reference {index} outside a table of {len(strings)}")
    return strings[index]


def _string(message: Any, oneof: str, strings: list[str]) -> str:
    """The string of a `...Str` / `...Ref` oneof: inline, from the table, or empty."""
    chosen = message.WhichOneof(oneof)
    if chosen is None:
        return ""
    value = getattr(message, chosen)
    return _ref(strings, value) if chosen.endswith("Ref") else str(value)


def _address(message: Any, previous_va: int) -> int:
    chosen = message.WhichOneof("elfVA")
    if chosen == "setElfVA":
        return int(message.setElfVA)
    if chosen == "deltaElfVA":
        return (previous_va + int(message.deltaElfVA)) & _U64_MASK
    return previous_va


def _range(payload: bytes, strings: list[str], previous_va: int) -> RangeRecord:
    message = RangeV1.FromString(payload)
    depth = message.depth
    if depth > MAX_DEPTH:
        raise _RecordError(f"inline depth {depth} is deeper than {MAX_DEPTH}")
    offsets = message.lineTable.offset
    numbers = message.lineTable.lineNumber
    if len(offsets) != len(numbers):
        raise _RecordError(f"line table has {len(offsets)} offsets but {len(numbers)} lines")
    return RangeRecord(
        _address(message, previous_va),
        message.length,
        _string(message, "func", strings),
        _string(message, "file", strings),
        message.callLine,
        _string(message, "callFile", strings),
        depth,
        tuple(zip(itertools.accumulate(offsets), numbers, strict=True)),
    )


def _return_pad(payload: bytes, strings: list[str], previous_va: int) -> ReturnPadRecord:
    message = ReturnPadV1.FromString(payload)
    funcs, files, lines = message.func, message.file, message.line
    if not len(funcs) == len(files) == len(lines):
        raise _RecordError("return pad columns differ in length")
    if len(funcs) > MAX_DEPTH:
        raise _RecordError(f"return pad of {len(funcs)} frames is deeper than {MAX_DEPTH}")
    frames = tuple(
        SourceLine(_ref(strings, f), _ref(strings, g), line)
        for f, g, line in zip(funcs, files, lines, strict=True)
    )
    return ReturnPadRecord(_address(message, previous_va), frames)


# -- writing ------------------------------------------------------------------


def encode_varint(value: int) -> bytes:
    """A varint as the file's framing writes it (payload length, message type)."""
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _utf8(text: str) -> str:
    """`text` as a protobuf string can hold it: a lone surrogate (a byte that was
    not UTF-8, escaped when the name was read) becomes one replacement character,
    so the file stays readable by any protobuf reader."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


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
        message = StringTableV1(strings=[_utf8(text) for text in table])
        self._message(MessageType.STRING_TABLE, message.SerializeToString())

    def _set_address(self, message: Any, elf_va: int, absolute: bool) -> None:
        if absolute:
            message.setElfVA = elf_va
        else:
            # Wrapped to sint64: the reader adds it modulo 2**64.
            message.deltaElfVA = (elf_va - self._previous_va + _HALF) % (1 << 64) - _HALF
        self._previous_va = elf_va

    def _set_string(self, message: Any, oneof: str, text: str, refs: bool) -> None:
        if refs and text in self._strings:
            setattr(message, f"{oneof}Ref", self._strings[text])
        else:
            setattr(message, f"{oneof}Str", _utf8(text))

    def range(self, record: RangeRecord, *, refs: bool = True, absolute: bool = False) -> None:
        """Strings in the current table are written as references when `refs`."""
        message = RangeV1(length=record.length, callLine=record.call_line, depth=record.depth)
        self._set_address(message, record.elf_va, absolute)
        self._set_string(message, "func", record.func, refs)
        if record.file:
            self._set_string(message, "file", record.file, refs)
        if record.call_file:
            self._set_string(message, "callFile", record.call_file, refs)
        if record.lines:
            offsets = [offset for offset, _ in record.lines]
            message.lineTable.offset.extend(b - a for a, b in itertools.pairwise([0, *offsets]))
            message.lineTable.lineNumber.extend(line for _, line in record.lines)
        self._message(MessageType.RANGE, message.SerializeToString())

    def return_pad(self, record: ReturnPadRecord, *, absolute: bool = False) -> None:
        """Every string must be in the current table (the format has only references)."""
        try:
            funcs = [self._strings[f.function] for f in record.frames]
            files = [self._strings[f.file] for f in record.frames]
        except KeyError as error:
            raise ValueError(f"{error} is not in the string table") from None
        message = ReturnPadV1(func=funcs, file=files, line=[f.line for f in record.frames])
        self._set_address(message, record.elf_va, absolute)
        self._message(MessageType.RETURN_PAD, message.SerializeToString())
