"""What one collector request hands to the store: everything written atomically."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from devfiler.distinct import RowIndex
from devfiler.identity import FRAME_ID_BYTES, FRAME_RECORD
from devfiler.model import EventContext, Executable, Frame, SampleKind, Trace
from devfiler.storage.records import encode_trace


@dataclass(frozen=True, slots=True)
class TraceTable:
    """Traces in their stored form, as columns: trace i is `data[offsets[i]:offsets[i + 1]]`.

    The collector makes thousands per request; one bytes buffer and a list of
    16-byte hashes cost far less than an object per trace.
    """

    hashes: list[bytes]
    data: bytes = b""
    offsets: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(1, np.int64))

    def __post_init__(self) -> None:
        if len(self.offsets) != len(self.hashes) + 1:
            raise ValueError("trace table offsets and hashes differ in length")

    def __len__(self) -> int:
        return len(self.hashes)

    def value(self, index: int) -> bytes:
        return self.data[int(self.offsets[index]) : int(self.offsets[index + 1])]

    @classmethod
    def of(cls, traces: Sequence[Trace]) -> TraceTable:
        values = [encode_trace(trace) for trace in traces]
        sizes = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
        return cls(
            [trace.hash.to_bytes() for trace in traces],
            b"".join(values),
            np.r_[0, np.cumsum(sizes)].astype(np.int64),
        )


@dataclass(frozen=True, slots=True)
class EventRows:
    """Events of one sample kind, one row per occurrence, as parallel arrays.

    `trace_index` and `context_index` point into the batch's `traces` and
    `contexts` lists; `weights` is 1 per occurrence for counted kinds and
    nanoseconds for off-CPU.
    """

    kind: SampleKind
    timestamps: npt.NDArray[np.int64]
    trace_index: npt.NDArray[np.uint32]
    context_index: npt.NDArray[np.uint32]
    weights: npt.NDArray[np.int64]

    def __post_init__(self) -> None:
        n = len(self.timestamps)
        if not (len(self.trace_index) == len(self.context_index) == len(self.weights) == n):
            raise ValueError("event columns differ in length")

    def __len__(self) -> int:
        return len(self.timestamps)


@dataclass(frozen=True, slots=True)
class IngestBatch:
    """A validated request, ready to store in one RocksDB write batch."""

    traces: TraceTable | Sequence[Trace] = field(default_factory=lambda: TraceTable([]))
    """The request's traces; a sequence of Trace is turned into a TraceTable."""
    frames: list[Frame] = field(default_factory=list)
    executables: list[Executable] = field(default_factory=list)
    contexts: list[EventContext] = field(default_factory=list)
    events: list[EventRows] = field(default_factory=list)
    frame_ids: npt.NDArray[np.uint8] | None = None
    """The IDs of `frames`, in their order, as rows of FRAME_ID_BYTES; derived when not given."""
    bare_frames: npt.NDArray[np.uint8] | None = None
    """IDs (rows of FRAME_ID_BYTES) of the traces' frames without a record in `frames`:
    native frames devfiler symbolizes. Derived from the traces when not given."""

    def __post_init__(self) -> None:
        if not isinstance(self.traces, TraceTable):
            object.__setattr__(self, "traces", TraceTable.of(self.traces))
        if self.frame_ids is None:
            raw = b"".join(frame.id.to_bytes() for frame in self.frames)
            ids = np.frombuffer(raw, np.uint8).reshape(-1, FRAME_ID_BYTES)
            object.__setattr__(self, "frame_ids", ids)
        if self.bare_frames is None:
            object.__setattr__(self, "bare_frames", self._bare_frames_of_traces())

    def _bare_frames_of_traces(self) -> npt.NDArray[np.uint8]:
        """The distinct frame IDs of the traces that `frames` does not describe, as arrays:
        batches built from Trace objects (tests, benchmarks) may hold millions of records."""
        table = np.frombuffer(self.trace_table.data, dtype=FRAME_RECORD)
        ids = table.view(np.uint8).reshape(-1, FRAME_RECORD.itemsize)[:, :FRAME_ID_BYTES]
        words = np.unique(np.ascontiguousarray(ids).view(np.int64), axis=0)
        described = RowIndex(FRAME_ID_BYTES // 8)
        described.add(np.unique(self.described_ids.view(np.int64), axis=0))
        bare = words[described.find(words) < 0]
        return np.ascontiguousarray(bare).view(np.uint8)

    @property
    def described_ids(self) -> npt.NDArray[np.uint8]:
        assert self.frame_ids is not None
        return self.frame_ids

    @property
    def bare_frame_ids(self) -> npt.NDArray[np.uint8]:
        assert self.bare_frames is not None
        return self.bare_frames

    @property
    def trace_table(self) -> TraceTable:
        assert isinstance(self.traces, TraceTable)
        return self.traces

    @property
    def event_count(self) -> int:
        return sum(len(rows) for rows in self.events)
