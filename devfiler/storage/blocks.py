"""Columnar event blocks: the value format of the `events` table.

One block holds the events of one second and one sample kind from one
request. A block is a fixed header, the distinct trace hashes and context
keys it uses, then one column per field, so that a time-range query is a short
range scan plus `numpy.frombuffer`, never a Python loop per event.

Layout (little-endian): header `<BBBBIIIqII` (version, flags, kind, reserved,
events, traces, contexts, total weight, min and max offset in the second),
trace hashes (16 bytes each), context keys (u64 each), offsets (u32 ns within
the second), trace indices (u16 or u32), context indices (u16 or u32), and
weights (i64) when not every weight is 1.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.model import SampleKind

BLOCK_VERSION = 1
_HEADER = struct.Struct("<BBBBIIIqII")
_HAS_WEIGHTS = 1
_WIDE_TRACE_INDEX = 2
_WIDE_CONTEXT_INDEX = 4
HASH_DTYPE = np.dtype("V16")


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
    """Decoded columns of one block; indices point into its own hash/key tables."""

    summary: BlockSummary
    trace_hashes: npt.NDArray[np.void]
    context_keys: npt.NDArray[np.uint64]
    offsets: npt.NDArray[np.uint32]
    trace_index: npt.NDArray[np.uint32] | npt.NDArray[np.uint16]
    context_index: npt.NDArray[np.uint32] | npt.NDArray[np.uint16]
    weights: npt.NDArray[np.int64] | None

    def weight_column(self) -> npt.NDArray[np.int64]:
        if self.weights is None:
            return np.ones(self.summary.events, dtype=np.int64)
        return self.weights


def _index_dtype(count: int) -> tuple[np.dtype[np.uint16] | np.dtype[np.uint32], bool]:
    wide = count > 0xFFFF
    return (np.dtype("<u4") if wide else np.dtype("<u2")), wide


def encode_block(
    kind: SampleKind,
    offsets: npt.NDArray[np.int64],
    trace_hashes: npt.NDArray[np.void],
    trace_index: npt.NDArray[np.integer],
    context_keys: npt.NDArray[np.uint64],
    context_index: npt.NDArray[np.integer],
    weights: npt.NDArray[np.int64],
) -> bytes:
    """Encode one block; offsets are nanoseconds within the block's second."""
    n = len(offsets)
    trace_dtype, wide_traces = _index_dtype(len(trace_hashes))
    context_dtype, wide_contexts = _index_dtype(len(context_keys))
    all_ones = bool(np.all(weights == 1))
    flags = (
        (0 if all_ones else _HAS_WEIGHTS)
        | (_WIDE_TRACE_INDEX if wide_traces else 0)
        | (_WIDE_CONTEXT_INDEX if wide_contexts else 0)
    )
    header = _HEADER.pack(
        BLOCK_VERSION,
        flags,
        int(kind),
        0,
        n,
        len(trace_hashes),
        len(context_keys),
        int(weights.sum()),
        int(offsets.min()) if n else 0,
        int(offsets.max()) if n else 0,
    )
    parts = [
        header,
        np.ascontiguousarray(trace_hashes, dtype=HASH_DTYPE).tobytes(),
        np.ascontiguousarray(context_keys, dtype="<u8").tobytes(),
        np.ascontiguousarray(offsets, dtype="<u4").tobytes(),
        np.ascontiguousarray(trace_index, dtype=trace_dtype).tobytes(),
        np.ascontiguousarray(context_index, dtype=context_dtype).tobytes(),
    ]
    if not all_ones:
        parts.append(np.ascontiguousarray(weights, dtype="<i8").tobytes())
    return b"".join(parts)


def _summary(raw: bytes) -> tuple[BlockSummary, int, int, int, int]:
    if len(raw) < _HEADER.size:
        raise CorruptBlockError(f"event block of {len(raw)} bytes is shorter than its header")
    version, flags, kind, _, n, n_traces, n_contexts, total, lo, hi = _HEADER.unpack_from(raw)
    if version != BLOCK_VERSION:
        raise CorruptBlockError(f"event block version {version}, expected {BLOCK_VERSION}")
    try:
        sample_kind = SampleKind(kind)
    except ValueError:
        raise CorruptBlockError(f"event block has unknown sample kind {kind}") from None
    return BlockSummary(sample_kind, n, total, lo, hi), flags, n_traces, n_contexts, n


def read_summary(raw: bytes) -> BlockSummary:
    return _summary(raw)[0]


def read_references(raw: bytes) -> tuple[npt.NDArray[np.void], npt.NDArray[np.uint64]]:
    """The trace hashes and context keys a block uses, without decoding its columns."""
    _, _, n_traces, n_contexts, _ = _summary(raw)
    if len(raw) < _HEADER.size + 16 * n_traces + 8 * n_contexts:
        raise CorruptBlockError(f"event block of {len(raw)} bytes is shorter than its tables")
    hashes = np.frombuffer(raw, dtype=HASH_DTYPE, count=n_traces, offset=_HEADER.size)
    keys = np.frombuffer(raw, dtype="<u8", count=n_contexts, offset=_HEADER.size + 16 * n_traces)
    return hashes, keys


def decode_block(raw: bytes) -> Block:
    summary, flags, n_traces, n_contexts, n = _summary(raw)
    trace_dtype = np.dtype("<u4") if flags & _WIDE_TRACE_INDEX else np.dtype("<u2")
    context_dtype = np.dtype("<u4") if flags & _WIDE_CONTEXT_INDEX else np.dtype("<u2")
    expected = (
        _HEADER.size
        + 16 * n_traces
        + 8 * n_contexts
        + n * (4 + trace_dtype.itemsize + context_dtype.itemsize)
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

    hashes = column(HASH_DTYPE, n_traces)
    keys = column(np.dtype("<u8"), n_contexts)
    offsets = column(np.dtype("<u4"), n)
    trace_index = column(trace_dtype, n)
    context_index = column(context_dtype, n)
    weights = column(np.dtype("<i8"), n) if flags & _HAS_WEIGHTS else None
    return Block(summary, hashes, keys, offsets, trace_index, context_index, weights)
