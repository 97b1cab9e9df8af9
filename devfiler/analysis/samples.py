"""The samples behind a frame: every event whose stack goes through it, with its context.

A Profile keeps per-event time, trace and thread but not who the event
belongs to (PID, TID, executable, container), so this module reads the
selection again (select_events, the store's contexts) and resolves its
stacks with the selection's shape, exactly as the views saw them. A frame
is named by function, by frame ID (the key developer mode shows) or by a
flamegraph box's path (thread, then the frame keys from the outermost).
Matching runs per distinct stack with numpy; only the rows returned are
turned into Python values.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import LabeledFrame, SymbolLookup
from devfiler.analysis.results import Selection, Unit
from devfiler.analysis.selection import select_events
from devfiler.analysis.shape import shape_stacks
from devfiler.analysis.shape_options import PLAIN
from devfiler.analysis.stacks import StackTable, load_stacks
from devfiler.model import EventContext
from devfiler.storage.store import Store

DEFAULT_LIMIT = 10_000
COLUMNS = ("time", "thread", "tid", "pid", "executable", "container", "weight")
"""The table's columns, each a sort key (`sorted_samples`)."""


@dataclass(frozen=True, slots=True)
class FrameTarget:
    """Which frame: a function name (or box label), a frame ID, or a flamegraph path.

    `path` is the thread name followed by frame keys, outermost first (a box
    of the flamegraph below its thread); the events must have that thread
    and their stack must start with those frames.
    """

    function: str | None = None
    frame_id: str | None = None
    path: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        given = [v for v in (self.function, self.frame_id, self.path) if v is not None]
        if len(given) != 1:
            raise ValueError("name the frame by one of function, frame ID or path")

    @property
    def text(self) -> str:
        if self.path is not None:
            return " > ".join(self.path)
        return self.function if self.function is not None else f"frame {self.frame_id}"


@dataclass(frozen=True, slots=True)
class Sample:
    """One event: when, whose, and its weight in the selection's unit."""

    time_ns: int
    thread: str
    tid: int
    pid: int
    executable: str
    container: str
    weight: int


@dataclass(frozen=True, slots=True)
class FrameSamples:
    """The first `limit` matching events by time, with the count and weight of all of them."""

    unit: Unit
    start_ns: int
    end_ns: int
    target: FrameTarget
    total: int
    total_weight: int
    rows: tuple[Sample, ...]


def samples_behind(
    store: Store,
    selection: Selection,
    symbols: SymbolLookup | None,
    target: FrameTarget,
    limit: int = DEFAULT_LIMIT,
) -> FrameSamples:
    """The events of `selection` whose (reshaped) stack goes through `target`."""
    if limit < 0:
        raise ValueError("the limit must not be negative")
    events = select_events(store, dataclasses.replace(selection, shape=PLAIN))
    columns = events.columns
    table, through = shape_stacks(
        load_stacks(store, columns, symbols, inline=selection.inline), selection.shape
    )
    traces = through & _traces_through(table, target)
    chosen = traces[columns.trace_index]
    if target.path is not None:
        named = np.array([name == target.path[0] for name in events.thread_names], dtype=bool)
        chosen &= named[events.thread_index] if len(named) else False
    index = np.flatnonzero(chosen)
    first = index[np.argsort(columns.timestamps[index], kind="stable")[:limit]]
    keys = columns.context_keys.tolist()
    contexts = store.contexts(keys)
    empty = EventContext()
    rows = tuple(
        _sample(time, contexts.get(keys[context], empty), weight)
        for time, context, weight in zip(
            columns.timestamps[first].tolist(),
            columns.context_index[first].tolist(),
            events.weights[first].tolist(),
            strict=True,
        )
    )
    return FrameSamples(
        events.unit,
        events.start_ns,
        events.end_ns,
        target,
        len(index),
        int(events.weights[index].sum()),
        rows,
    )


def sorted_samples(
    rows: tuple[Sample, ...], column: str, *, descending: bool = False
) -> tuple[Sample, ...]:
    """Rows ordered by one of COLUMNS; equal values keep their order (by time)."""
    if column not in COLUMNS:
        raise ValueError(f"unknown column {column!r} (one of: {', '.join(COLUMNS)})")
    field = "time_ns" if column == "time" else column
    return tuple(sorted(rows, key=lambda row: getattr(row, field), reverse=descending))


def _sample(time_ns: int, context: EventContext, weight: int) -> Sample:
    return Sample(
        time_ns,
        context.thread_name,
        context.thread_id,
        context.pid,
        context.executable_path or context.executable_name,
        context.container_id,
        weight,
    )


def _traces_through(table: StackTable, target: FrameTarget) -> npt.NDArray[np.bool_]:
    """Which paths hold the frame (anywhere), or start with the path's frames."""
    if target.path is None:
        hit = _frames_where(table.frames, target)
        reach = np.zeros(len(table.codes) + 1, dtype=np.int64)
        np.cumsum(hit[table.codes], out=reach[1:])
        found: npt.NDArray[np.bool_] = np.diff(reach[table.offsets]) > 0
        return found
    frame_keys = target.path[1:]
    codes_of: dict[str, list[int]] = {}
    for code, box in enumerate(table.frames):
        codes_of.setdefault(box.key or box.label, []).append(code)
    ok = table.lengths >= len(frame_keys)
    for level, key in enumerate(frame_keys):
        wanted = np.zeros(len(table.frames), dtype=bool)
        wanted[codes_of.get(key, [])] = True
        at = np.minimum(table.offsets[:-1] + level, max(len(table.codes) - 1, 0))
        ok &= wanted[table.codes[at]] if len(table.codes) else False
    return ok


def _frames_where(frames: tuple[LabeledFrame, ...], target: FrameTarget) -> npt.NDArray[np.bool_]:
    if target.function is not None:
        wanted = target.function
        return np.fromiter(
            (wanted in (box.function, box.label) for box in frames), dtype=bool, count=len(frames)
        )
    return np.fromiter((box.key == target.frame_id for box in frames), bool, len(frames))
