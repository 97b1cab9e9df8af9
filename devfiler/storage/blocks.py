"""Columnar event blocks: the value format of the `events` table.

One block holds the events of one second and one sample kind from one
request. A block is a fixed header, the distinct context keys it uses, then
one column per field, so that a time-range query is a short range scan plus
`numpy.frombuffer`, never a Python loop per event. Traces are referred to by
their number in the store (storage/trace_numbers.py), 4 bytes per event, so
a block does not repeat 16-byte trace hashes and merging blocks is integer
work.

Layout (little-endian): header `<BBBBIIqII` (version, flags, kind, reserved,
events, contexts, total weight, min and max offset in the second), context
keys (u64 each), offsets (u32 ns within the second), trace numbers (u32),
context indices (u16 or u32), and weights (i64) when not every weight is 1.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.model import SampleKind

BLOCK_VERSION = 2
_HEADER = struct.Struct("<BBBBIIqII")
_HAS_WEIGHTS = 1
_WIDE_CONTEXT_INDEX = 4
_TRACE_NUMBER = np.dtype("<u4")


class CorruptBlockError(ValueError):
    """A stored block does not decode: the store is damaged or from another version."""


@dataclass(frozen=True, slots=True)
class BlockSummary:
    """What the header tells without decoding the columns."""

    kind: SampleKind
    events: int
    total_weight: int
    min_offset: int
    max_offset: int


@dataclass(frozen=True, slots=True)
class Block:
    """Decoded columns of one block; context indices point into its own key table."""

    summary: BlockSummary
    context_keys: npt.NDArray[np.uint64]
    offsets: npt.NDArray[np.uint32]
    trace_numbers: npt.NDArray[np.uint32]
    context_index: npt.NDArray[np.uint32] | npt.NDArray[np.uint16]
    weights: npt.NDArray[np.int64] | None

    def weight_column(self) -> npt.NDArray[np.int64]:
        if self.weights is None:
            return np.ones(self.summary.events, dtype=np.int64)
        return self.weights


def encode_block(
    kind: SampleKind,
    offsets: npt.NDArray[np.int64],
    trace_numbers: npt.NDArray[np.integer],
    context_keys: npt.NDArray[np.uint64],
    context_index: npt.NDArray[np.integer],
    weights: npt.NDArray[np.int64],
) -> bytes:
    """Encode one block; offsets are nanoseconds within the block's second."""
    n = len(offsets)
    wide_contexts = len(context_keys) > 0xFFFF
    context_dtype = np.dtype("<u4") if wide_contexts else np.dtype("<u2")
    all_ones = bool(np.all(weights == 1))
    flags = (0 if all_ones else _HAS_WEIGHTS) | (_WIDE_CONTEXT_INDEX if wide_contexts else 0)
    header = _HEADER.pack(
        BLOCK_VERSION,
        flags,
        int(kind),
        0,
        n,
        len(context_keys),
        int(weights.sum()),
        int(offsets.min()) if n else 0,
        int(offsets.max()) if n else 0,
    )
    parts = [
        header,
        np.ascontiguousarray(context_keys, dtype="<u8").tobytes(),
        np.ascontiguousarray(offsets, dtype="<u4").tobytes(),
        np.ascontiguousarray(trace_numbers, dtype=_TRACE_NUMBER).tobytes(),
        np.ascontiguousarray(context_index, dtype=context_dtype).tobytes(),
    ]
    if not all_ones:
        parts.append(np.ascontiguousarray(weights, dtype="<i8").tobytes())
    return b"".join(parts)


def _summary(raw: bytes) -> tuple[BlockSummary, int, int]:
    if len(raw) < _HEADER.size:
        raise CorruptBlockError(f"event block of {len(raw)} bytes is shorter than its header")
    version, flags, kind, _, n, n_contexts, total, lo, hi = _HEADER.unpack_from(raw)
    if version != BLOCK_VERSION:
        raise CorruptBlockError(f"event block version {version}, expected {BLOCK_VERSION}")
    try:
        sample_kind = SampleKind(kind)
    except ValueError:
        raise CorruptBlockError(f"event block has unknown sample kind {kind}") from None
    return BlockSummary(sample_kind, n, total, lo, hi), flags, n_contexts


def read_summary(raw: bytes) -> BlockSummary:
    return _summary(raw)[0]


def read_references(raw: bytes) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]:
    """The trace numbers (one per event) and context keys a block uses, nothing else."""
    summary, _, n_contexts = _summary(raw)
    numbers_at = _HEADER.size + 8 * n_contexts + 4 * summary.events
    if len(raw) < numbers_at + 4 * summary.events:
        raise CorruptBlockError(f"event block of {len(raw)} bytes is shorter than its columns")
    keys = np.frombuffer(raw, dtype="<u8", count=n_contexts, offset=_HEADER.size)
    numbers = np.frombuffer(raw, dtype=_TRACE_NUMBER, count=summary.events, offset=numbers_at)
    return numbers, keys


def decode_block(raw: bytes) -> Block:
    summary, flags, n_contexts = _summary(raw)
    n = summary.events
    context_dtype = np.dtype("<u4") if flags & _WIDE_CONTEXT_INDEX else np.dtype("<u2")
    expected = (
        _HEADER.size
        + 8 * n_contexts
        + n * (4 + _TRACE_NUMBER.itemsize + context_dtype.itemsize)
        + (8 * n if flags & _HAS_WEIGHTS else 0)
    )
    if len(raw) != expected:
        raise CorruptBlockError(f"event block is {len(raw)} bytes, its header says {expected}")
    pos = _HEADER.size

    def column(dtype: np.dtype, count: int) -> npt.NDArray:  # type: ignore[type-arg]
        nonlocal pos
        array = np.frombuffer(raw, dtype=dtype, count=count, offset=pos)
        pos += dtype.itemsize * count
        return array

    keys = column(np.dtype("<u8"), n_contexts)
    offsets = column(np.dtype("<u4"), n)
    numbers = column(_TRACE_NUMBER, n)
    context_index = column(context_dtype, n)
    weights = column(np.dtype("<i8"), n) if flags & _HAS_WEIGHTS else None
    return Block(summary, keys, offsets, numbers, context_index, weights)
