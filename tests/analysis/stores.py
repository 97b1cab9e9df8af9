"""Stores with known content for analysis and query tests.

Frames are given as model.Frame values; like the collector, the store keeps
a frame record only for frames the agent described (lines, errors, unknown
kinds), native frames are symbolized later.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from devfiler.config import data_paths
from devfiler.identity import make_trace
from devfiler.model import (
    EventContext,
    Executable,
    FileId,
    Frame,
    FrameId,
    FrameKind,
    SampleKind,
    SourceLine,
)
from devfiler.storage.batch import EventRows, IngestBatch
from devfiler.storage.store import Store

APP = FileId(0xA1)
LIBC = FileId(0xB2)
EXECUTABLES = [Executable(APP, "/usr/bin/app"), Executable(LIBC, "libc.so.6")]
SECOND = 1_000_000_000
T0 = 1_700_000_000 * SECOND


def native(file_id: FileId, address: int) -> Frame:
    return Frame(FrameId(file_id, address), FrameKind.NATIVE)


def python(function: str, file: str, line: int) -> Frame:
    """An agent-symbolized Python frame with a content-derived ID."""
    ident = zlib.crc32(f"{function}\0{file}".encode())
    return Frame(
        FrameId(FileId(0xC0 << 64 | ident), line),
        FrameKind.CPYTHON,
        (SourceLine(function, file, line),),
    )


@dataclass(frozen=True, slots=True)
class Event:
    """One sample: its timestamp, its stack (leaf first), its context, kind and weight."""

    ts: int
    stack: tuple[Frame, ...]
    context: EventContext
    kind: SampleKind = SampleKind.ON_CPU
    weight: int = 1


def batch_of(
    events: Sequence[Event], executables: Sequence[Executable] = EXECUTABLES
) -> IngestBatch:
    traces = []
    trace_number: dict[tuple[Frame, ...], int] = {}
    contexts: list[EventContext] = []
    context_number: dict[EventContext, int] = {}
    frames: dict[FrameId, Frame] = {}
    for event in events:
        if event.stack not in trace_number:
            trace_number[event.stack] = len(traces)
            traces.append(
                make_trace(tuple(f.id for f in event.stack), tuple(f.kind for f in event.stack))
            )
        if event.context not in context_number:
            context_number[event.context] = len(contexts)
            contexts.append(event.context)
        for frame in event.stack:
            if frame.lines or frame.error_code is not None or frame.kind is FrameKind.OTHER:
                frames[frame.id] = frame
    rows = []
    for kind in SampleKind:
        mine = [e for e in events if e.kind is kind]
        if not mine:
            continue

        def column(values: list[int], dtype: type) -> npt.NDArray:  # type: ignore[type-arg]
            return np.array(values, dtype=dtype)

        rows.append(
            EventRows(
                kind,
                column([e.ts for e in mine], np.int64),
                column([trace_number[e.stack] for e in mine], np.uint32),
                column([context_number[e.context] for e in mine], np.uint32),
                column([e.weight for e in mine], np.int64),
            )
        )
    return IngestBatch(
        traces=traces,
        frames=list(frames.values()),
        executables=list(executables),
        contexts=contexts,
        events=rows,
    )


def make_store(path: Path, events: Sequence[Event]) -> Store:
    store = Store.open(data_paths(path))
    store.write(batch_of(events))
    return store


class DictSymbols:
    """Symbols from a table (file ID, address) -> inline chain, outermost first."""

    def __init__(self, table: Mapping[tuple[FileId, int], tuple[SourceLine, ...]]) -> None:
        self.table = dict(table)
        self.calls: list[tuple[FileId, list[int]]] = []

    def lookup(
        self, file_id: FileId, addresses: npt.NDArray[np.uint64]
    ) -> list[tuple[SourceLine, ...]]:
        self.calls.append((file_id, addresses.tolist()))
        return [self.table.get((file_id, int(a)), ()) for a in addresses]


MAIN = EventContext("main", 1, 0, 100, "/usr/bin/app", "app", "c0ffee1234", "web")
WORKER = EventContext("worker", 2, 1, 100, "/usr/bin/app", "app", "c0ffee1234", "web")
CRON = EventContext("cron", 3, 0, 200, "/usr/sbin/cron", "cron", "", "batch")

ENTRY = native(APP, 0x100)
WORK = native(APP, 0x200)
WORK_AGAIN = native(APP, 0x210)
MEMCPY = native(LIBC, 0x300)
S1 = (MEMCPY, WORK, ENTRY)
"""entry -> work -> memcpy (leaf first, as stored)."""
S2 = (WORK, ENTRY)
RECURSION = (WORK_AGAIN, WORK, ENTRY)
"""entry -> work -> work: with WORK_SYMBOLS both addresses are `work`."""
WORK_SYMBOLS = {
    (APP, 0x200): (SourceLine("work", "work.c", 10),),
    (APP, 0x210): (SourceLine("work", "work.c", 12),),
}

# Python frames for reshaped stacks: wrappers, direct recursion (walk -> walk), a shared leaf.
MAIN_PY = python("main", "app.py", 1)
SERVE = python("serve", "app.py", 10)
WRAP = python("wrapper", "lib.py", 5)
WALK = python("walk", "tree.py", 20)
WALK_DEEPER = python("walk", "tree.py", 22)
LEAF = python("leaf", "tree.py", 30)


def leaf_first(*outermost_first: Frame) -> tuple[Frame, ...]:
    return tuple(reversed(outermost_first))


SHAPED_EVENTS = [
    Event(T0, leaf_first(MAIN_PY, SERVE, WRAP, WALK, WALK_DEEPER, WALK, LEAF), MAIN),
    Event(T0 + 1, leaf_first(MAIN_PY, SERVE, WRAP, WALK, LEAF), MAIN),
    Event(T0 + 2, leaf_first(MAIN_PY, SERVE, WRAP), WORKER, weight=1),
    Event(T0 + 3, leaf_first(MAIN_PY, LEAF), WORKER),
]
