"""Traces for the trace pack tests: 45 of them, so that packs of 8 leave a range incomplete,
sharing callers and changing a frame's kind from trace to trace."""

from __future__ import annotations

from devfiler.identity import make_trace
from devfiler.model import FileId, FrameId, FrameKind, Trace

PACK = 8
_KINDS = (FrameKind.NATIVE, FrameKind.KERNEL, FrameKind.CPYTHON)


def _trace(n: int) -> Trace:
    """Trace n: a leaf of its own under 0 to 4 callers from a pool that every trace shares,
    one of them with a kind that changes from trace to trace."""
    callers = [FrameId(FileId(0xA0 + i % 2), 0x10 * i) for i in range(n % 5)]
    frames = (FrameId(FileId(0xC0), n), *callers)
    kinds = (_KINDS[n % 3], *(_KINDS[(n + i) % 2 if i == 1 else 0] for i in range(len(callers))))
    return make_trace(frames, kinds)


TRACES = [_trace(n) for n in range(45)]
