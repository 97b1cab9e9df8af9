"""What one collector request hands to the store: everything written atomically."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from devfiler.model import EventContext, Executable, Frame, SampleKind, Trace, TraceHash


@dataclass(frozen=True, slots=True)
class EncodedTrace:
    """A trace already in its stored form (storage/records.py), as the collector makes it."""

    hash: TraceHash
    data: bytes


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

    traces: list[Trace | EncodedTrace] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    executables: list[Executable] = field(default_factory=list)
    contexts: list[EventContext] = field(default_factory=list)
    events: list[EventRows] = field(default_factory=list)

    @property
    def event_count(self) -> int:
        return sum(len(rows) for rows in self.events)
