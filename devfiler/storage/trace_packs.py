"""Trace packs: the stacks of a complete range of trace numbers in one value.

Trace numbers are dense and given in arrival order (storage/trace_numbers.py),
so the traces of numbers [first, first + size) never change once the counter
has passed them, except that the unused-trace collection may delete some.
A pack holds such a range as local frame codes (u16, or u32 past 65,536
distinct frames) into the pack's own table of distinct frame records: a
query over an hour reads a few dozen packs instead of a row per trace, and
groups the frames of the packs' small tables instead of every occurrence.
The `traces` rows stay the source of truth; a pack is derived from them.

Layout, little-endian, each part aligned for `frombuffer`: header (magic,
traces, frames, code bytes), offsets (u32, traces + 1), codes, found
(u8 per trace: 0 where the number's row was deleted), frame records.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.identity import FRAME_RECORD
from devfiler.storage.frame_groups import distinct_records
from devfiler.storage.records import TraceFrames

PACK_TRACES = 4096
"""Traces per pack in new stores (a store keeps the size it started with)."""
MIN_SHARE = 32
"""A reader uses a pack when it wants at least 1/MIN_SHARE of its traces; for fewer, single
rows cost less than reading and decoding the whole pack."""
_HEADER = struct.Struct("<4sIII")
_MAGIC = b"DTP1"


class CorruptPackError(ValueError):
    """A stored pack does not decode; the message names it and says what is wrong."""


@dataclass(frozen=True, slots=True)
class TracePack:
    """Traces `first`..`first + len - 1`: trace i is `frames[codes[offsets[i]:offsets[i + 1]]]`,
    leaf first; `found[i]` is False where its row was deleted (it then has no frames)."""

    first: int
    frames: npt.NDArray[np.void]
    offsets: npt.NDArray[np.int64]
    codes: npt.NDArray[np.integer]
    found: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.found)

    def trace_frames(self) -> TraceFrames:
        """The pack as the records of every trace (what it was made from)."""
        return TraceFrames(self.frames[self.codes], self.offsets, self.found)


def encode_pack(traces: TraceFrames) -> bytes:
    """A pack of the stored frames of a range of traces, in number order."""
    number, first = distinct_records(traces.records, with_kind=True)
    frames = traces.records[first]
    code_type = np.dtype("<u2") if len(frames) <= 1 << 16 else np.dtype("<u4")
    return b"".join(
        (
            _HEADER.pack(_MAGIC, len(traces), len(frames), code_type.itemsize),
            traces.offsets.astype("<u4").tobytes(),
            number.astype(code_type).tobytes(),
            traces.found.astype(np.uint8).tobytes(),
            frames.tobytes(),
        )
    )


def decode_pack(first: int, size: int, value: bytes) -> TracePack:
    """A stored pack of `size` traces, checked whole: a pack that disagrees with itself or
    with the store's pack size is refused, not read."""

    def corrupt(why: str) -> CorruptPackError:
        return CorruptPackError(f"the trace pack of numbers from {first} is corrupt: {why}")

    if len(value) < _HEADER.size:
        raise corrupt(f"{len(value)} bytes hold no header")
    magic, count, frame_count, code_bytes = _HEADER.unpack_from(value)
    if magic != _MAGIC or code_bytes not in (2, 4):
        raise corrupt("unknown header")
    if count != size:
        raise corrupt(f"it holds {count} traces where the store packs {size}")
    at = _HEADER.size
    offsets = (
        np.frombuffer(value, "<u4", count + 1, at) if len(value) >= at + 4 * (count + 1) else None
    )
    if offsets is None:
        raise corrupt("cut short in its offsets")
    at += offsets.nbytes
    total = int(offsets[-1])
    expected = at + total * code_bytes + count + frame_count * FRAME_RECORD.itemsize
    if len(value) != expected:
        raise corrupt(f"{len(value)} bytes where its header and offsets say {expected}")
    codes = np.frombuffer(value, f"<u{code_bytes}", total, at)
    at += codes.nbytes
    found = np.frombuffer(value, np.uint8, count, at)
    frames = np.frombuffer(value, FRAME_RECORD, frame_count, at + count)
    lengths = np.diff(offsets.astype(np.int64))
    if offsets[0] != 0 or (lengths < 0).any():
        raise corrupt("offsets do not ascend from 0")
    if (found > 1).any() or (lengths[found == 0] > 0).any():
        raise corrupt("a deleted trace has frames")
    if total and int(codes.max()) >= frame_count:
        raise corrupt("a code is past its frame table")
    return TracePack(first, frames, offsets.astype(np.int64), codes, found.astype(bool))


def without(pack: TracePack, numbers: npt.NDArray[np.int64]) -> bytes:
    """The pack re-encoded with the traces of `numbers` (inside it) deleted."""
    keep = np.ones(len(pack), dtype=bool)
    keep[numbers - pack.first] = False
    traces = pack.trace_frames()
    lengths = np.where(keep, np.diff(traces.offsets), 0)
    offsets = np.zeros(len(pack) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    kept_records = np.repeat(keep, np.diff(traces.offsets))
    return encode_pack(TraceFrames(traces.records[kept_records], offsets, pack.found & keep))


@dataclass(frozen=True, slots=True)
class CodedTraces:
    """Stored traces as codes into one table of frame records, read from packs and rows.

    Trace i is `records[codes[starts[i]:starts[i] + lengths[i]]]`, leaf first; a trace
    the store lacks has no frames and `found[i]` False. `records` may repeat a frame
    (each pack has its own table) and hold frames of traces nobody asked for.
    """

    records: npt.NDArray[np.void]
    codes: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int64]
    lengths: npt.NDArray[np.int64]
    found: npt.NDArray[np.bool_]


def join_traces(
    count: int,
    numbers: npt.NDArray[np.int64],
    packs: list[tuple[npt.NDArray[np.intp], TracePack]],
    rows: tuple[npt.NDArray[np.intp], TraceFrames],
) -> CodedTraces:
    """The `count` traces of `numbers`: those at the positions of each pack from it, the
    others (`rows`: positions, their frames) from single rows."""
    starts = np.zeros(count, dtype=np.int64)
    lengths = np.zeros(count, dtype=np.int64)
    found = np.zeros(count, dtype=bool)
    record_parts: list[npt.NDArray[np.void]] = []
    code_parts: list[npt.NDArray[np.int64]] = []
    record_base = code_base = 0
    sources: list[tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], TracePack]] = [
        (positions, numbers[positions] - pack.first, pack) for positions, pack in packs
    ]
    row_positions, row_frames = rows
    # Single rows join as a pack of their own whose codes are its records in order.
    row_codes = np.arange(len(row_frames.records), dtype=np.int64)
    row_source = TracePack(0, row_frames.records, row_frames.offsets, row_codes, row_frames.found)
    sources.append((row_positions, np.arange(len(row_positions), dtype=np.int64), row_source))
    for positions, local, source in sources:
        offsets = source.offsets
        starts[positions] = code_base + offsets[local]
        lengths[positions] = offsets[local + 1] - offsets[local]
        found[positions] = source.found[local]
        code_parts.append(source.codes.astype(np.int64) + record_base)
        record_parts.append(source.frames)
        record_base += len(source.frames)
        code_base += len(source.codes)
    return CodedTraces(
        np.concatenate(record_parts, dtype=FRAME_RECORD),
        np.concatenate(code_parts),
        starts,
        lengths,
        found,
    )
