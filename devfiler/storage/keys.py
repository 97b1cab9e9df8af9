"""Key encodings. Big-endian so that byte order is query order."""

from __future__ import annotations

import struct

from devfiler.model import SampleKind

NS_PER_SECOND = 1_000_000_000
_OFFSET = 1 << 63
_EVENT_KEY = struct.Struct(">QBQ")
EVENT_KEY_SIZE = _EVENT_KEY.size
U64 = struct.Struct(">Q")
"""An unsigned 8-byte big-endian integer: `contexts` keys and the counters in `meta`."""
U32 = struct.Struct(">I")
"""An unsigned 4-byte big-endian integer: `trace_numbers` values and the pack size in `meta`."""


def encode_second(second: int) -> bytes:
    """Seconds since the epoch, any int64, as 8 bytes that sort like the numbers."""
    return ((second + _OFFSET) & 0xFFFF_FFFF_FFFF_FFFF).to_bytes(8, "big")


def event_key(second: int, kind: SampleKind, sequence: int) -> bytes:
    """Key of one event block: second | sample kind | sequence (unique per block)."""
    return _EVENT_KEY.pack((second + _OFFSET) & 0xFFFF_FFFF_FFFF_FFFF, int(kind), sequence)


def decode_event_key(key: bytes) -> tuple[int, SampleKind, int]:
    biased, kind, sequence = _EVENT_KEY.unpack(key)
    return biased - _OFFSET, SampleKind(kind), sequence


_TRACE_KEY = struct.Struct(">I")
MAX_TRACE_NUMBER = 0xFFFF_FFFF


def trace_key(number: int) -> bytes:
    """Key of a `traces` row: the trace's number in the store, 4 bytes big-endian."""
    return _TRACE_KEY.pack(number)


def decode_trace_key(key: bytes) -> int:
    return int(_TRACE_KEY.unpack(key)[0])
