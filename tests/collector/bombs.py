"""Requests within the 64 MiB message limit that stand for far more than their size.

Each is a few MB raw and tens of KB gzipped; each was once enough to make
the collector spend gigabytes or minutes. Built on the wire format directly
because building them as messages would cost the test what they cost the
collector. Each row: name, payload, the words the refusal must contain.
"""

from __future__ import annotations

N = 30_000_000
"""Elements of each bomb: about the most a 64 MiB message can hold."""


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number: int, payload: bytes) -> bytes:
    """A length-delimited field."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def _profile(samples: bytes) -> bytes:
    """A request with one on-CPU profile holding the given raw samples."""
    dictionary = field(5, b"") + field(5, b"samples") + field(5, b"count") + field(7, b"")
    profile = field(1, varint(1 << 3) + varint(1) + varint(2 << 3) + varint(2)) + samples
    return field(1, field(2, field(2, profile))) + field(2, dictionary)


def _dictionary(table: int, entry: bytes) -> bytes:
    return field(2, field(table, entry) * N)


BOMBS: list[tuple[str, bytes, str]] = [
    (
        "one sample with 30M attribute indices",
        _profile(field(2, field(2, b"\x01" * N))),
        "attribute indices of all samples",
    ),
    ("30M samples without timestamps", _profile(field(2, b"") * N), "samples"),
    ("30M attribute table entries", _dictionary(6, b""), "entries of attribute_table"),
    ("30M location table entries", _dictionary(2, b""), "entries of location_table"),
    ("30M strings", _dictionary(5, b""), "entries of string_table"),
    (
        "an attribute whose array holds 30M values",
        field(2, field(6, field(2, field(5, field(1, b"") * N)))),
        "array_value",
    ),
    ("30M resource profiles", field(1, b"") * N, "resource_profiles"),
    ("30M profiles", field(1, field(2, field(2, b"") * N)), "profiles"),
    (
        "a stack of 200k unpacked location indices",
        field(2, field(2, b"") + field(7, b"") + field(7, b"\x08\x00" * 200_000)),
        "stack_table[1] has more than 16,384 fields",
    ),
    (
        "2M timestamps in 10 samples",
        _profile(field(2, field(5, bytes(8 * 250_000)) + b"\x08\x00") * 10),
        "timestamps",
    ),
]
