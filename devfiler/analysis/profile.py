"""The profile value: one selection's events loaded once, for every view to read.

Reading events, filtering contexts and resolving distinct traces into
labeled frame paths is what a view costs; drawing it from these arrays is
cheap. So a selection is loaded once into a Profile and the flamegraph, top
functions, sandwich, diff, collapsed stacks, timeline and FlameScope are pure
functions of it (analysis/*.py), testable without RocksDB. The window keeps
profiles in a ProfileCache keyed by (selection, store change), shared by all
tabs; exporters read the same value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import SymbolLookup
from devfiler.analysis.results import Selection, Unit
from devfiler.analysis.selection import (
    SelectedEvents,
    SelectedTimes,
    select_events,
    select_weights,
)
from devfiler.analysis.stacks import StackTable, TraceReferences, load_stacks
from devfiler.analysis.tree import aggregate_pairs
from devfiler.storage.store import Store


@dataclass(frozen=True, slots=True)
class PairChanges:
    """What a fold changed: every (trace, thread) sum that differs from the profile it was
    folded from (the one whose `identity` is `base`), by how much, sorted by pair.

    A view kept up to date from that profile (analysis/cut_tree.py) walks
    these instead of comparing hundreds of thousands of sums to find them.
    """

    base: object
    trace: npt.NDArray[np.int64]
    thread: npt.NDArray[np.int64]
    change: npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Profile:
    """A selection's events over its distinct stacks, as integer arrays.

    Per event: `timestamps`, `trace` (a path of `stacks`), `thread` (an
    index into `thread_names`) and `weights` in `unit`. Per distinct
    (trace, thread): `pair_trace`, `pair_thread` and `pair_weight`, the sum
    of its events' weights, which is all that tree views need.
    `trace_numbers[i]` is the store's number of path i's trace.

    A profile loaded with `times=False` has `events_loaded` False and the
    per-event arrays empty: flamegraphs, sandwich, diff and collapsed stacks
    read only the pairs; `times` and following the present refuse it.

    A folded profile says what changed in `changes`; `identity` is new for
    every profile, copies made with `dataclasses.replace` included, so a
    reshaped profile never passes for the one the changes are from.
    """

    selection: Selection
    unit: Unit
    start_ns: int
    end_ns: int
    stacks: StackTable
    trace_numbers: npt.NDArray[np.int64]
    thread_names: tuple[str, ...]
    timestamps: npt.NDArray[np.int64]
    trace: npt.NDArray[np.int64]
    thread: npt.NDArray[np.int64]
    weights: npt.NDArray[np.int64]
    pair_trace: npt.NDArray[np.int64]
    pair_thread: npt.NDArray[np.int64]
    pair_weight: npt.NDArray[np.int64]
    events_loaded: bool = True
    changes: PairChanges | None = None
    identity: object = field(init=False, default_factory=object, compare=False, repr=False)

    def __len__(self) -> int:
        """Events loaded (none when loaded without times)."""
        return len(self.timestamps)

    @property
    def total(self) -> int:
        """Weight of every event: the 100% of shares."""
        return int(self.pair_weight.sum())

    @property
    def times(self) -> SelectedTimes:
        """When and how much: all that the timeline and FlameScope read."""
        if not self.events_loaded:
            raise ValueError("this profile was loaded without event times")
        return SelectedTimes(self.unit, self.start_ns, self.end_ns, self.timestamps, self.weights)

    def event_paths(self) -> EventPaths:
        """Every event's path, time and weight (a profile loaded with times)."""
        if not self.events_loaded:
            raise ValueError("this profile was loaded without event times")
        return EventPaths(self.trace, self.timestamps, self.weights)

    def trace_weights(self) -> npt.NDArray[np.int64]:
        """Summed weight of every path (0 for paths no event uses)."""
        sums = np.bincount(self.pair_trace, weights=self.pair_weight, minlength=len(self.stacks))
        return np.rint(sums).astype(np.int64)


@dataclass(frozen=True, slots=True)
class EventPaths:
    """Every event of a profile as its path (`trace`), time and weight: what heat strips
    need besides the sums."""

    trace: npt.NDArray[np.int64]
    timestamps: npt.NDArray[np.int64]
    weights: npt.NDArray[np.int64]


def read_event_paths(store: Store, profile: Profile) -> EventPaths:
    """The events of a summed profile's selection, read again and put on its paths.

    A profile loaded without times is drawn first; what needs times (heat
    strips) reads them afterwards. Events of traces the profile does not
    hold arrived after it was loaded and are left out.
    """
    events = select_events(store, profile.selection)
    columns = events.columns
    size = int(max(profile.trace_numbers.max(initial=-1), columns.trace_numbers.max(initial=-1)))
    path_of = np.full(size + 1, -1, dtype=np.int64)
    path_of[profile.trace_numbers] = np.arange(len(profile.trace_numbers), dtype=np.int64)
    trace = path_of[columns.trace_numbers][columns.trace_index]
    held = trace >= 0
    return EventPaths(trace[held], columns.timestamps[held], events.weights[held])


@dataclass(frozen=True, slots=True)
class TraceRows:
    """Rows naming traces (stacks.TraceReferences) whose every distinct trace is used."""

    trace_numbers: npt.NDArray[np.int64]
    trace_index: npt.NDArray[np.int64]


def used_traces(rows: TraceReferences) -> TraceRows:
    """`rows` without the distinct traces no row uses.

    A context filter keeps the read's table of traces whole; a path for a
    trace no kept event uses would be empty, and a profile moved forward
    would put that trace's later events on it.
    """
    index = rows.trace_index.astype(np.int64, copy=False)
    used = np.zeros(len(rows.trace_numbers), dtype=bool)
    used[index] = True
    if bool(used.all()):
        return TraceRows(rows.trace_numbers, index)
    position = np.cumsum(used) - 1
    return TraceRows(rows.trace_numbers[used], position[index])


def pairs_of(
    trace: npt.NDArray[np.int64], thread: npt.NDArray[np.int64], weights: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Summed weight per distinct (trace, thread), sorted by pair; pairs summing to 0 weigh
    nothing in any view and are left out (so a folded profile equals a loaded one)."""
    pair_trace, pair_thread, pair_weight = aggregate_pairs(trace, thread, weights)
    weighty = pair_weight != 0
    if bool(weighty.all()):
        return pair_trace, pair_thread, pair_weight
    return pair_trace[weighty], pair_thread[weighty], pair_weight[weighty]


def load_profile(
    store: Store,
    selection: Selection,
    symbols: SymbolLookup | None = None,
    *,
    times: bool = True,
) -> Profile:
    """Read, filter and resolve a selection: the only place views touch the store.

    Without `times` the events are summed per (trace, context) while they
    are read, and no per-event array is kept (see Profile).
    """
    if not times:
        summed = select_weights(store, selection)
        traces = used_traces(summed.rows)
        thread = summed.thread_index.astype(np.int64, copy=False)
        pair_trace, pair_thread, pair_weight = pairs_of(traces.trace_index, thread, summed.weights)
        unit, start_ns, end_ns, thread_names = (
            summed.unit,
            summed.start_ns,
            summed.end_ns,
            summed.thread_names,
        )
        # The summed rows are several times the pairs: let them go before the stacks load.
        del summed, thread
        stacks = load_stacks(store, traces, symbols, inline=selection.inline)
        none = np.empty(0, dtype=np.int64)
        return Profile(
            selection,
            unit,
            start_ns,
            end_ns,
            stacks,
            traces.trace_numbers,
            thread_names,
            none,
            none,
            none,
            none,
            pair_trace,
            pair_thread,
            pair_weight,
            events_loaded=False,
        )
    events = select_events(store, selection)
    return profile_of(
        selection, events, load_stacks(store, events.columns, symbols, inline=selection.inline)
    )


def profile_of(selection: Selection, events: SelectedEvents, stacks: StackTable) -> Profile:
    """The profile of selected events whose traces `stacks` resolves."""
    columns = events.columns
    trace = columns.trace_index.astype(np.int64, copy=False)
    thread = events.thread_index.astype(np.int64, copy=False)
    pair_trace, pair_thread, pair_weight = pairs_of(trace, thread, events.weights)
    return Profile(
        selection,
        events.unit,
        events.start_ns,
        events.end_ns,
        stacks,
        columns.trace_numbers,
        events.thread_names,
        columns.timestamps,
        trace,
        thread,
        events.weights,
        pair_trace,
        pair_thread,
        pair_weight,
    )
