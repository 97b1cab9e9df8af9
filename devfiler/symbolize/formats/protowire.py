"""Protocol-buffer wire encoding for the few message shapes of the symbfile format.

The symbfile messages (proto/symbfile.proto) use only varints, zigzag varints,
length-delimited strings and packed varint arrays, so reading and writing them
takes a few dozen lines and needs no generated code. Readers get bounds-checked
errors (WireError) for truncated or malformed input, never an IndexError.
"""

from __future__ import annotations

from collections.abc import Iterator

VARINT = 0
FIXED64 = 1
LEN = 2
FIXED32 = 5
_MAX_VARINT_BYTES = 10


class WireError(ValueError):
    """The bytes are not valid protobuf wire data; the message says where."""


def read_varint(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    """The varint at `pos` and the position after it."""
    result = 0
    shift = 0
    end = min(len(data), pos + _MAX_VARINT_BYTES)
    while pos < end:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & 0xFFFF_FFFF_FFFF_FFFF, pos
        shift += 7
    raise WireError(f"truncated or overlong varint at byte {pos}")


def zigzag_decode(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


def zigzag_encode(value: int) -> int:
    return (value << 1) ^ (value >> 63) if value < 0 else value << 1


def iter_fields(data: bytes | memoryview) -> Iterator[tuple[int, int, int | memoryview]]:
    """(field number, wire type, value) of each field; LEN values are memoryviews, fixed
    values are skipped as raw ints."""
    view = memoryview(data)
    pos = 0
    size = len(view)
    while pos < size:
        key, pos = read_varint(view, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise WireError(f"field number 0 at byte {pos}")
        if wire == VARINT:
            value, pos = read_varint(view, pos)
            yield number, wire, value
        elif wire == LEN:
            length, pos = read_varint(view, pos)
            if pos + length > size:
                raise WireError(f"field {number} runs past the end of its message")
            yield number, wire, view[pos : pos + length]
            pos += length
        elif wire in (FIXED64, FIXED32):
            width = 8 if wire == FIXED64 else 4
            if pos + width > size:
                raise WireError(f"field {number} runs past the end of its message")
            yield number, wire, int.from_bytes(view[pos : pos + width], "little")
            pos += width
        else:
            raise WireError(f"field {number} has unsupported wire type {wire}")


def unpack_varints(data: memoryview) -> list[int]:
    """A packed repeated varint field."""
    values = []
    pos = 0
    while pos < len(data):
        value, pos = read_varint(data, pos)
        values.append(value)
    return values


def encode_varint(value: int) -> bytes:
    if value < 0:
        value &= 0xFFFF_FFFF_FFFF_FFFF
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def varint_field(number: int, value: int, *, always: bool = False) -> bytes:
    """A varint field, omitted when zero (the proto3 default) unless it is the chosen
    member of a oneof, which must be present to be told apart from the others."""
    if not value and not always:
        return b""
    return encode_varint(number << 3) + encode_varint(value)


def bytes_field(number: int, value: bytes) -> bytes:
    """A length-delimited field, written even when empty (strings of a oneof)."""
    return encode_varint(number << 3 | LEN) + encode_varint(len(value)) + value


def packed_field(number: int, values: list[int]) -> bytes:
    if not values:
        return b""
    return bytes_field(number, b"".join(encode_varint(v) for v in values))
