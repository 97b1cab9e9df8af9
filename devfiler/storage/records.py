"""Encodings of the deduplicated tables: traces, frames, executables, contexts.

Traces are binary (read by the thousand for every flamegraph): the trace's
16-byte hash, then its frame records; the rest are small JSON documents
written once per distinct value, easy to evolve.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import xxhash

from devfiler.identity import FRAME_RECORD, trace_frames_bytes
from devfiler.model import (
    EventContext,
    Executable,
    FileId,
    Frame,
    FrameId,
    FrameKind,
    SourceLine,
    Trace,
    TraceHash,
)

TRACE_HASH_BYTES = 16
"""A `traces` value starts with the trace's hash: retention finds the `trace_numbers` row
to delete by it, and readers rebuild a Trace whole."""


def encode_trace(trace: Trace) -> bytes:
    """A trace's frame records (the `traces` value without its hash)."""
    return trace_frames_bytes(trace.frames, trace.kinds)


def trace_frames_of(values: list[bytes]) -> list[bytes]:
    """The frame records of stored `traces` values."""
    return [value[TRACE_HASH_BYTES:] for value in values]


def decode_trace(value: bytes) -> Trace:
    """A stored `traces` value: hash, then frame records."""
    raw = value[TRACE_HASH_BYTES:]
    if len(value) < TRACE_HASH_BYTES or len(raw) % FRAME_RECORD.itemsize:
        raise ValueError(f"stored trace of {len(value)} bytes is not a hash and whole frames")
    table = np.frombuffer(raw, dtype=FRAME_RECORD)
    frames = tuple(
        FrameId(FileId.from_bytes(bytes(file)), int(addr))
        for file, addr in zip(table["file"], table["addr"], strict=True)
    )
    kinds = tuple(FrameKind(k) for k in table["kind"].tolist())
    return Trace(TraceHash.from_bytes(value[:TRACE_HASH_BYTES]), frames, kinds)


@dataclass(frozen=True, slots=True)
class TraceFrames:
    """The stored frames of many traces in one record array, for numpy-only analysis.

    Trace i is `records[offsets[i]:offsets[i + 1]]`, leaf first; a trace
    the store lacks has no frames and `found[i]` False.
    """

    records: npt.NDArray[np.void]
    offsets: npt.NDArray[np.int64]
    found: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.found)


def decode_trace_frames(values: list[bytes | None]) -> TraceFrames:
    """One `frombuffer` over the concatenated values (hashes cut off) instead of a Trace
    object per trace."""
    sizes = np.fromiter(
        (len(v) - TRACE_HASH_BYTES if v is not None else 0 for v in values), np.int64, len(values)
    )
    broken = np.flatnonzero((sizes % FRAME_RECORD.itemsize) | (sizes < 0))
    if len(broken):
        size = int(sizes[broken[0]]) + TRACE_HASH_BYTES
        raise ValueError(f"stored trace of {size} bytes is not a hash and whole frames")
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(sizes // FRAME_RECORD.itemsize, out=offsets[1:])
    found = np.fromiter((v is not None for v in values), bool, len(values))
    joined = b"".join(v[TRACE_HASH_BYTES:] for v in values if v is not None)
    return TraceFrames(np.frombuffer(joined, dtype=FRAME_RECORD), offsets, found)


FRAME_KEY_DTYPE = np.dtype("V24")
"""A `frames` table key as numpy sees it: file ID | address, the first 24 bytes of a record."""


def frame_keys(stored_traces: list[bytes]) -> npt.NDArray[np.void]:
    """The distinct `frames` keys the given `traces` values use, sorted."""
    table = np.frombuffer(b"".join(trace_frames_of(stored_traces)), dtype=FRAME_RECORD)
    rows = table.view(np.uint8).reshape(-1, FRAME_RECORD.itemsize)[:, : FRAME_KEY_DTYPE.itemsize]
    return np.unique(np.ascontiguousarray(rows).view(FRAME_KEY_DTYPE).ravel())


def encode_frame(frame: Frame) -> bytes:
    doc: dict[str, object] = {"k": int(frame.kind)}
    if frame.lines:
        doc["l"] = [[line.function, line.file, line.line] for line in frame.lines]
    if frame.mapping_name:
        doc["m"] = frame.mapping_name
    if frame.kind_name:
        doc["n"] = frame.kind_name
    if frame.error_code is not None:
        doc["e"] = frame.error_code
    if frame.mapping_file_id is not None:
        doc["f"] = frame.mapping_file_id.hex()
    return json.dumps(doc, separators=(",", ":")).encode()


def decode_frame(frame_id: FrameId, raw: bytes) -> Frame:
    return _frame_of(frame_id, json.loads(raw))


def decode_frames(ids: Sequence[FrameId], values: Sequence[bytes]) -> list[Frame]:
    """Many frame records with one `json.loads`: a query decodes thousands."""
    docs = json.loads(b"[" + b",".join(values) + b"]")
    return [_frame_of(frame_id, doc) for frame_id, doc in zip(ids, docs, strict=True)]


def _frame_of(frame_id: FrameId, doc: dict[str, Any]) -> Frame:
    return Frame(
        id=frame_id,
        kind=FrameKind(doc["k"]),
        lines=tuple(SourceLine(fn, file, line) for fn, file, line in doc.get("l", ())),
        mapping_name=doc.get("m", ""),
        kind_name=doc.get("n", ""),
        error_code=doc.get("e"),
        mapping_file_id=FileId.from_hex(doc["f"]) if "f" in doc else None,
    )


def encode_context(context: EventContext) -> bytes:
    return json.dumps(
        [
            context.thread_name,
            context.thread_id,
            context.cpu,
            context.pid,
            context.executable_path,
            context.executable_name,
            context.container_id,
            context.service_name,
        ],
        separators=(",", ":"),
    ).encode()


def decode_context(raw: bytes) -> EventContext:
    return EventContext(*json.loads(raw))


def context_key(encoded: bytes) -> int:
    """64-bit key of an encoded context: events refer to contexts by it."""
    return int(xxhash.xxh3_64_intdigest(encoded))


def encode_executable(exe: Executable) -> bytes:
    doc = {
        "name": exe.file_name,
        "gnu": exe.gnu_build_id,
        "go": exe.go_build_id,
        "path": exe.path,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def decode_executable(file_id_bytes: bytes, raw: bytes) -> Executable:
    doc = json.loads(raw)
    return Executable(
        file_id=FileId.from_bytes(file_id_bytes),
        file_name=doc.get("name", ""),
        gnu_build_id=doc.get("gnu", ""),
        go_build_id=doc.get("go", ""),
        path=doc.get("path", ""),
    )


def merge_executables(old: Executable, new: Executable) -> Executable:
    """Keep what either report knew: later reports may add build IDs or a path."""
    return Executable(
        file_id=old.file_id,
        file_name=old.file_name or new.file_name,
        gnu_build_id=old.gnu_build_id or new.gnu_build_id,
        go_build_id=old.go_build_id or new.go_build_id,
        path=old.path or new.path,
    )
