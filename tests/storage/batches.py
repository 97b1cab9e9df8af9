"""A small request for the store's tests: two traces sharing a file, two contexts, two
executables, and events that alternate between them with weights 1, 2, 3, ..."""

from __future__ import annotations

import numpy as np

from devfiler.identity import make_trace
from devfiler.model import EventContext, Executable, FileId, FrameId, FrameKind, SampleKind
from devfiler.storage.batch import EventRows, IngestBatch


def two_trace_batch(timestamps: list[int], kind: SampleKind = SampleKind.ON_CPU) -> IngestBatch:
    a = make_trace((FrameId(FileId(1), 0x10),), (FrameKind.NATIVE,))
    b = make_trace((FrameId(FileId(1), 0x20), FrameId(FileId(2), 7)), (FrameKind.NATIVE,) * 2)
    ts = np.array(timestamps, dtype=np.int64)
    n = len(ts)
    return IngestBatch(
        traces=[a, b],
        executables=[Executable(FileId(1), "app"), Executable(FileId(2), "libc.so.6")],
        contexts=[EventContext("main", 1, 0, 100), EventContext("worker", 2, 1, 100)],
        events=[
            EventRows(
                kind,
                ts,
                (np.arange(n) % 2).astype(np.uint32),
                (np.arange(n) // 2 % 2).astype(np.uint32),
                np.arange(1, n + 1, dtype=np.int64),
            )
        ],
    )
