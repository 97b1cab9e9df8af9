"""Pick the events of a selection: time range, sample kinds, context filters.

Filters are evaluated once per distinct context (thread, process, container,
service), never per event; events then carry a thread number into the table
of thread names, which the flamegraph uses as its first level.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.analysis.results import UNBOUNDED_END, UNBOUNDED_START, Selection, Unit
from devfiler.model import EventContext
from devfiler.storage.events import EventColumns, EventWeights
from devfiler.storage.store import Store


@dataclass(frozen=True, slots=True)
class SelectedEvents:
    """The events of a selection, weights in the selection's unit.

    `start_ns` / `end_ns` are the range the result covers: the selection's
    own bounds, or the data's where the selection is unbounded.
    """

    unit: Unit
    start_ns: int
    end_ns: int
    columns: EventColumns
    weights: npt.NDArray[np.int64]
    thread_index: npt.NDArray[np.intp]
    thread_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.weights)

    @property
    def total(self) -> int:
        return int(self.weights.sum())


@dataclass(frozen=True, slots=True)
class SelectedWeights:
    """A selection's events summed per (trace, context, kind) (`Store.read_weights`), with
    each row's weight in the selection's unit and thread; ranges as in SelectedEvents."""

    unit: Unit
    start_ns: int
    end_ns: int
    rows: EventWeights
    weights: npt.NDArray[np.int64]
    thread_index: npt.NDArray[np.intp]
    thread_names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SelectedTimes:
    """Timestamps and weights (in `unit`) of a selection's events, over [start_ns, end_ns)."""

    unit: Unit
    start_ns: int
    end_ns: int
    timestamps: npt.NDArray[np.int64]
    weights: npt.NDArray[np.int64]


def matches(context: EventContext, name: str, value: str) -> bool:
    """Whether a context matches one filter; container IDs match by prefix (short IDs)."""
    if name == "thread":
        return context.thread_name == value
    if name == "pid":
        return str(context.pid) == value
    if name == "exe":
        path = context.executable_path
        return value in (context.executable_name, path, os.path.basename(path)) and bool(value)
    if name == "container":
        return bool(value) and context.container_id.startswith(value)
    if name == "service":
        return context.service_name == value
    raise ValueError(f"unknown filter {name!r}")


def keeps(selection: Selection, context: EventContext) -> bool:
    alternatives: dict[str, list[str]] = defaultdict(list)
    for name, value in selection.include:
        alternatives[name].append(value)
    if not all(
        any(matches(context, name, value) for value in values)
        for name, values in alternatives.items()
    ):
        return False
    return not any(matches(context, name, value) for name, value in selection.exclude)


def _threads(
    store: Store, selection: Selection, context_keys: npt.NDArray[np.uint64]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.intp], tuple[str, ...]]:
    """For each distinct context: whether the selection keeps it and its thread's number;
    and the thread names."""
    keys = context_keys.tolist()
    contexts = store.contexts(keys)
    empty = EventContext()
    kept = np.zeros(len(keys), dtype=bool)
    thread_of_context = np.zeros(len(keys), dtype=np.intp)
    thread_numbers: dict[str, int] = {}
    for i, key in enumerate(keys):
        context = contexts.get(key, empty)
        if keeps(selection, context):
            kept[i] = True
            thread_of_context[i] = thread_numbers.setdefault(
                context.thread_name, len(thread_numbers)
            )
    return kept, thread_of_context, tuple(thread_numbers)


def select_events(store: Store, selection: Selection) -> SelectedEvents:
    columns = store.read_events(selection.start_ns, selection.end_ns, selection.kinds)
    kept, thread_of_context, thread_names = _threads(store, selection, columns.context_keys)
    if not kept.all():
        columns = columns.select(kept[columns.context_index])
    start, end = effective_range(selection, columns.timestamps)
    return SelectedEvents(
        selection.unit,
        start,
        end,
        columns,
        unit_weights(selection, columns.weights),
        thread_of_context[columns.context_index],
        thread_names,
    )


def select_weights(store: Store, selection: Selection) -> SelectedWeights:
    """Like `select_events`, summed per (trace, context, kind) while reading: for views
    that need no times, at the memory of the distinct rows instead of every event."""
    rows = store.read_weights(selection.start_ns, selection.end_ns, selection.kinds)
    kept, thread_of_context, thread_names = _threads(store, selection, rows.context_keys)
    if not kept.all():
        rows = rows.select(kept[rows.context_index])
    start, end = effective_range(selection, np.concatenate([rows.first_ns, rows.last_ns]))
    return SelectedWeights(
        selection.unit,
        start,
        end,
        rows,
        rows.weights if selection.unit is Unit.NANOSECONDS else rows.counts,
        thread_of_context[rows.context_index],
        thread_names,
    )


def select_times(
    store: Store, selection: Selection, *, whole_seconds: bool = False
) -> SelectedTimes:
    """Like `select_events` for views that need only when and how much.

    Without filters the trace and context tables are not read at all. With
    `whole_seconds` (for views whose bins are whole seconds, which only sum
    what falls in each) the events of a stored block may come as one row at
    its first event's time with their summed weight (`Store.read_second_sums`):
    the bins and the range come out the same, and only the blocks the range's
    ends cut are decoded.
    """
    if selection.include or selection.exclude:
        events = select_events(store, selection)
        return SelectedTimes(
            events.unit, events.start_ns, events.end_ns, events.columns.timestamps, events.weights
        )
    if whole_seconds:
        sums = store.read_second_sums(selection.start_ns, selection.end_ns, selection.kinds)
        start, end = effective_range(selection, sums.timestamps)
        weights = sums.weights if selection.unit is Unit.NANOSECONDS else sums.counts
        return SelectedTimes(selection.unit, start, end, sums.timestamps, weights)
    times = store.read_times(selection.start_ns, selection.end_ns, selection.kinds)
    start, end = effective_range(selection, times.timestamps)
    return SelectedTimes(
        selection.unit, start, end, times.timestamps, unit_weights(selection, times.weights)
    )


def unit_weights(selection: Selection, weights: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Event weights in the selection's unit: nanoseconds as stored, else one per event."""
    if selection.unit is Unit.NANOSECONDS:
        return weights.astype(np.int64, copy=False)
    return np.ones(len(weights), dtype=np.int64)


def effective_range(selection: Selection, timestamps: npt.NDArray[np.int64]) -> tuple[int, int]:
    """The selection's range with unbounded ends replaced by the data's extent."""
    start, end = selection.start_ns, selection.end_ns
    if start == UNBOUNDED_START:
        start = int(timestamps.min()) if len(timestamps) else (0 if end == UNBOUNDED_END else end)
    if end == UNBOUNDED_END:
        end = int(timestamps.max()) + 1 if len(timestamps) else start
    return start, end
