"""What identifies a frame and a trace: the stored frame record and the hashes over it.

The collector computes these at ingest, the store keeps them and analysis
reads them back as arrays, so they live beside the value types rather than
inside any one of those layers (PROTOCOL.md, "Identifying a frame").

- A native frame (no lines) is (its executable's file ID, address): devfiler
  symbolizes it later from that executable's symbols.
- A frame the agent described (it has lines) is identified by its content:
  xxh3-128 over the mapping's file ID, the mapping's file name, the address,
  the frame type and every line. Mapping and address alone would merge .NET
  dynamic methods (module mapping, address 0), inline levels that share an
  address, and interpreted frames whose "address" is a line number.
- A frame with neither lines nor a file ID (error frames, unknown mappings)
  is (a hash of its type and mapping name, address).
- A trace is the xxh3-128 of its frame records, leaf first.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence

import numpy as np
import xxhash

from devfiler.model import FileId, FrameId, FrameKind, Trace, TraceHash

FRAME_RECORD = np.dtype([("file", "V16"), ("addr", ">u8"), ("kind", "u1")])
"""One frame of a stored trace: file ID, address (big-endian), kind code: 25 bytes."""

FRAME_ID_BYTES = 24
"""A frame ID as stored: 16-byte file ID or content hash, 8-byte big-endian address."""

WireLine = tuple[str, str, str, int, int]
"""A location's line as sent: function name, system name, file name, line, column."""


def described_frame_id(
    mapping_file_id: FileId | None,
    mapping_name: str,
    address: int,
    type_name: str,
    lines: Sequence[WireLine],
) -> FrameId:
    """The ID of a frame the agent symbolized, from everything it said about it.

    JSON gives an unambiguous encoding of the strings (any of them may hold
    any character), so different content never hashes the same input.
    """
    content = json.dumps(
        [
            mapping_file_id.hex() if mapping_file_id is not None else "",
            mapping_name,
            address,
            type_name,
            [list(line) for line in lines],
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return FrameId(FileId(xxhash.xxh3_128_intdigest(content.encode())), address)


def undescribed_frame_id(type_name: str, mapping_name: str, address: int) -> FrameId:
    """The ID of a frame with no lines and no file ID: its type and mapping name, and address."""
    content = json.dumps([type_name, mapping_name], ensure_ascii=False, separators=(",", ":"))
    return FrameId(FileId(xxhash.xxh3_128_intdigest(content.encode())), address)


def trace_frames_bytes(frames: tuple[FrameId, ...], kinds: tuple[FrameKind, ...]) -> bytes:
    """The stored form of a frame list (frame records, leaf first); its xxh3-128 is the hash."""
    return b"".join(
        frame.to_bytes() + bytes((kind,)) for frame, kind in zip(frames, kinds, strict=True)
    )


def trace_hashes(records: bytes, bounds: Sequence[int]) -> list[bytes]:
    """The hash of each trace in `records`, trace i being bytes bounds[i]:bounds[i + 1]."""
    hash128 = xxhash.xxh3_128_digest
    view = memoryview(records)  # slices without copies
    return [hash128(view[a:b]) for a, b in itertools.pairwise(bounds)]


def make_trace(frames: tuple[FrameId, ...], kinds: tuple[FrameKind, ...]) -> Trace:
    raw = trace_frames_bytes(frames, kinds)
    return Trace(TraceHash(xxhash.xxh3_128_intdigest(raw)), frames, kinds)
