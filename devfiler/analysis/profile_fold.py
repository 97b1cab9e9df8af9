"""Following the present: move a summed profile forward instead of loading it again.

A window following "the last hour" asks for a new selection every second.
Reading the hour again would cost seconds; instead what slid out of the
range is read (a few seconds, summed) and taken out, and the last minute is
checked again: the agent's requests reach the store after their 5 s window
has closed, so that minute may still grow. Block headers tell which of its
seconds did, and only those are read again; only traces the profile has not
seen are resolved. Late events older than that minute are seen at the next
full load (ProfileCache does one every FULL_LOAD_EVERY folds).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from devfiler.analysis.growing_stacks import GrowingStacks, extended
from devfiler.analysis.labels import SymbolLookup
from devfiler.analysis.profile import PairChanges, Profile, TraceRows, load_profile, pairs_of
from devfiler.analysis.results import UNBOUNDED_END, UNBOUNDED_START, Selection
from devfiler.analysis.selection import SelectedWeights, select_events, select_weights
from devfiler.analysis.stacks import (
    KnownChains,
    StackTable,
    TraceReferences,
    load_stacks,
)
from devfiler.analysis.tree import aggregate_pairs
from devfiler.storage.store import Store

LOOKBACK_NS = 60_000_000_000
"""How far before the end the stored seconds may still change."""
SECOND_NS = 1_000_000_000
_BLOCK = 1 << 40
"""A block's share of a second's signature: blocks and events stored in it, in one integer."""


@dataclass(frozen=True, slots=True)
class Followed:
    """A summed profile and, second by second, what it holds of its last LOOKBACK_NS.

    Rows (`second`, `trace`, `thread`, `weight`) are the profile's (trace,
    thread) sums per second of that minute, which a fold takes out before
    adding what a changed second holds now; `signature` says what was
    stored in each second (blocks and events, all kinds) when it was read.
    For a busy host (400 events a second) that is about 24 000 rows, under
    a megabyte. A profile of an unbounded or short range has no rows and
    `foldable` False.
    """

    profile: Profile
    foldable: bool
    second: npt.NDArray[np.int64]
    trace: npt.NDArray[np.int64]
    thread: npt.NDArray[np.int64]
    weight: npt.NDArray[np.int64]
    signature: dict[int, int]
    chains: KnownChains = field(default_factory=dict)
    """The boxes of the frames folds resolved, kept for the next folds (until a full load,
    which also picks up symbols that arrived since)."""
    growing: GrowingStacks | None = None
    """The owner of the stack table's arrays once a fold added paths."""


def load_followed(store: Store, selection: Selection, symbols: SymbolLookup | None) -> Followed:
    """`load_profile(times=False)` of `selection`, with what a fold needs when it is bounded."""
    if not _followable(selection):
        profile = load_profile(store, selection, symbols, times=False)
        none = np.empty(0, dtype=np.int64)
        return Followed(profile, False, none, none, none, none, {})
    tail = selection.end_ns - LOOKBACK_NS
    older = load_profile(store, dataclasses.replace(selection, end_ns=tail), symbols, times=False)
    none = np.empty(0, dtype=np.int64)
    start = Followed(older, True, none, none, none, none, {})
    return _moved(start, store, selection, symbols, tail, leaving=None)


def _followable(selection: Selection) -> bool:
    return (
        selection.start_ns != UNBOUNDED_START
        and selection.end_ns != UNBOUNDED_END
        and selection.end_ns % SECOND_NS == 0
        and selection.end_ns - selection.start_ns > LOOKBACK_NS
    )


def can_fold(followed: Followed, selection: Selection) -> bool:
    """Foldable; same kinds, filters, shape and inline choice, and moved forward with an
    overlap beyond the last minute."""
    old = followed.profile.selection
    same_view = dataclasses.replace(old, start_ns=selection.start_ns, end_ns=selection.end_ns)
    return (
        followed.foldable
        and same_view == selection
        and _followable(selection)
        and old.start_ns <= selection.start_ns < old.end_ns - LOOKBACK_NS
        and old.end_ns <= selection.end_ns
    )


def fold(
    followed: Followed, store: Store, selection: Selection, symbols: SymbolLookup | None
) -> Followed:
    """The profile of `selection` (see `can_fold`), equal to `load_followed` of it while
    the store only grows within the last minute."""
    if not can_fold(followed, selection):
        raise ValueError("this selection is not the profile's selection moved forward")
    old = followed.profile.selection
    leaving = None
    if selection.start_ns > old.start_ns:
        gone = dataclasses.replace(selection, start_ns=old.start_ns, end_ns=selection.start_ns)
        leaving = select_weights(store, gone)
    return _moved(followed, store, selection, symbols, old.end_ns - LOOKBACK_NS, leaving)


def _signatures(store: Store, start_ns: int, end_ns: int) -> dict[int, int]:
    """What is stored in each second of [start_ns, end_ns), from block headers only."""
    signature: dict[int, int] = {}
    for second, summary in store.block_summaries(start_ns, end_ns):
        signature[second] = signature.get(second, 0) + _BLOCK + summary.events
    return signature


def _moved(
    followed: Followed,
    store: Store,
    selection: Selection,
    symbols: SymbolLookup | None,
    since_ns: int,
    leaving: SelectedWeights | None,
) -> Followed:
    """`followed` over `selection`: without the `leaving` rows (SelectedWeights or None),
    and with every second from `since_ns` on that changed read again."""
    old = followed.profile
    signature = _signatures(store, since_ns, selection.end_ns)
    changed = [
        second
        for second in range(since_ns // SECOND_NS, selection.end_ns // SECOND_NS)
        if signature.get(second, 0) != followed.signature.get(second, 0)
    ]
    reread = changed[0] if changed else selection.end_ns // SECOND_NS
    stacks, numbers, names = old.stacks, old.trace_numbers, old.thread_names
    growing = followed.growing
    parts: list[tuple[npt.NDArray[np.int64], ...]] = []
    if leaving is not None:
        parts.append(_leaving_pairs(old, leaving))
    redone = followed.second >= reread
    parts.append((followed.trace[redone], followed.thread[redone], -followed.weight[redone]))
    rows = [followed.second, followed.trace, followed.thread, followed.weight]
    rows = [column[~redone] for column in rows]
    if changed:
        events = select_events(store, dataclasses.replace(selection, start_ns=reread * SECOND_NS))
        columns = events.columns
        stacks, numbers, path_of, growing = _extended(
            followed, columns, store, symbols, selection.inline
        )
        names, thread_of = _joined_names(names, events.thread_names)
        trace = path_of[columns.trace_index]
        thread = thread_of[events.thread_index]
        parts.append((trace, thread, events.weights))
        fresh = _per_second(columns.timestamps // SECOND_NS, trace, thread, events.weights)
        rows = [np.concatenate([a, b]) for a, b in zip(rows, fresh, strict=True)]
    changes = pairs_of(*(np.concatenate([part[i] for part in parts]) for i in range(3)))
    (pair_trace, pair_thread, pair_weight), changed_pairs = _changed(old, changes)
    profile = dataclasses.replace(
        old,
        selection=selection,
        start_ns=selection.start_ns,
        end_ns=selection.end_ns,
        stacks=stacks,
        trace_numbers=numbers,
        thread_names=names,
        pair_trace=pair_trace,
        pair_thread=pair_thread,
        pair_weight=pair_weight,
        changes=changed_pairs,
    )
    tail, end = (selection.end_ns - LOOKBACK_NS) // SECOND_NS, selection.end_ns // SECOND_NS
    kept = rows[0] >= tail
    second, trace_rows, thread_rows, weight_rows = (column[kept] for column in rows)
    return Followed(
        profile,
        True,
        second,
        trace_rows,
        thread_rows,
        weight_rows,
        {s: mark for s, mark in signature.items() if tail <= s < end},
        followed.chains,
        growing,
    )


def _changed(
    old: Profile, changes: tuple[npt.NDArray[np.int64], ...]
) -> tuple[tuple[npt.NDArray[np.int64], ...], PairChanges]:
    """The profile's pair sums plus `changes` (summed per pair, sorted), in pair order, and
    by how much each pair's sum changed.

    Both are sorted by (trace, thread), so the few changes are merged in
    place of sorting every pair again. Taking out what left can take out
    more than was added when events older than a minute arrived since:
    such pairs go rather than weigh less than nothing, and their change is
    what they weighed.
    """
    trace, thread, change = changes
    span = int(max(old.pair_thread.max(initial=0), thread.max(initial=0))) + 1
    keys = old.pair_trace * span + old.pair_thread
    changed = trace * span + thread
    at = np.searchsorted(keys, changed)
    there = at < len(keys)
    there[there] = keys[at[there]] == changed[there]
    weight = old.pair_weight.copy()
    weight[at[there]] += change[there]
    # Where the sum went below nothing it goes, so it changed by less.
    change = change.copy()
    change[there] -= np.minimum(weight[at[there]], 0)
    change[~there] = np.maximum(change[~there], 0)
    emptied = bool((weight[at[there]] <= 0).any())
    # Pairs the profile does not have enter only with some weight.
    entering = ~there & (change > 0)
    where = at[entering]
    pair_trace = np.insert(old.pair_trace, where, trace[entering])
    pair_thread = np.insert(old.pair_thread, where, thread[entering])
    weight = np.insert(weight, where, change[entering])
    if emptied:
        positive = weight > 0
        pair_trace, pair_thread, weight = (a[positive] for a in (pair_trace, pair_thread, weight))
    moved = change != 0
    delta = PairChanges(old.identity, trace[moved], thread[moved], change[moved])
    return (pair_trace, pair_thread, weight), delta


def _leaving_pairs(old: Profile, leaving: SelectedWeights) -> tuple[npt.NDArray[np.int64], ...]:
    """The (trace, thread) sums that left the range, negated, in the profile's numbering;
    rows of traces or threads the profile never held are left out."""
    rows = leaving.rows
    path = _known_traces(old.trace_numbers, rows.trace_numbers)[rows.trace_index]
    number = {name: i for i, name in enumerate(old.thread_names)}
    thread_of = np.array([number.get(n, -1) for n in leaving.thread_names] or [-1], np.int64)
    thread = thread_of[leaving.thread_index] if len(rows) else np.empty(0, dtype=np.int64)
    held = (path >= 0) & (thread >= 0)
    return path[held], thread[held], -leaving.weights[held]


def _per_second(
    second: npt.NDArray[np.int64],
    trace: npt.NDArray[np.int64],
    thread: npt.NDArray[np.int64],
    weights: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], ...]:
    """(second, trace, thread, weight) summed per distinct (second, trace, thread)."""
    if not len(second):
        none = np.empty(0, dtype=np.int64)
        return none, none, none, none
    span = int(thread.max()) + 1
    first = int(second.min())
    pair, seconds, sums = aggregate_pairs(trace * span + thread, second - first, weights)
    return seconds + first, pair // span, pair % span, sums


def _joined_names(
    names: tuple[str, ...], fresh: tuple[str, ...]
) -> tuple[tuple[str, ...], npt.NDArray[np.int64]]:
    """Old thread names as they are, new ones after them; the number of each fresh name."""
    known = set(names)
    joined = names + tuple(name for name in fresh if name not in known)
    number = {name: i for i, name in enumerate(joined)}
    return joined, np.array([number[n] for n in fresh] or [0], dtype=np.int64)


def _known_traces(
    known: npt.NDArray[np.int64], numbers: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Index of every trace number among the `known` ones, -1 for those not known."""
    size = int(max(known.max(initial=-1), numbers.max(initial=-1))) + 1
    position = np.full(size, -1, dtype=np.int64)
    position[known] = np.arange(len(known), dtype=np.int64)
    return position[numbers]


def _extended(
    followed: Followed,
    columns: TraceReferences,
    store: Store,
    symbols: SymbolLookup | None,
    inline: bool,
) -> tuple[StackTable, npt.NDArray[np.int64], npt.NDArray[np.int64], GrowingStacks | None]:
    """Old paths as they are, the used traces of `columns` the profile has not seen after.

    Returns the stacks, their trace numbers, the path of every distinct
    trace of `columns` (-1 for those no event uses) and the owner of the
    stacks' arrays.
    """
    old = followed.profile
    path_of = _known_traces(old.trace_numbers, columns.trace_numbers)
    used = np.zeros(len(path_of), dtype=bool)
    used[columns.trace_index] = True
    unseen = np.flatnonzero(used & (path_of < 0))
    if not len(unseen):
        return old.stacks, old.trace_numbers, path_of, followed.growing
    rows = TraceRows(columns.trace_numbers[unseen], np.arange(len(unseen), dtype=np.int64))
    resolved = load_stacks(store, rows, symbols, inline=inline, known=followed.chains)
    path_of[unseen] = len(old.trace_numbers) + np.arange(len(unseen), dtype=np.int64)
    stacks, growing = extended(followed.growing, old.stacks, resolved)
    numbers = np.concatenate([old.trace_numbers, columns.trace_numbers[unseen]])
    return stacks, numbers, path_of, growing
