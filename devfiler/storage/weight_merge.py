"""Summed rows of disjoint times (storage/events.py `EventWeights`) added into one running sum.

A read through the summaries gets a summed result per bucket plus one of the
blocks around them: a busy hour is five summaries of 200,000 rows that sum
to about as many. Joining them all and sorting the million rows again held
every part, their join and the sort's temporaries at once, the window's
largest moment. Each part is sorted by (trace, context, kind) already, so it
is merged into a running sum kept in that order instead: rows it shares are
added in place, the others inserted where they belong, and the part can go.
Memory stays about the size of the result plus one part.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from devfiler.storage.events import EventWeights
from devfiler.storage.row_columns import rows_grouped

_KIND_SPAN = 256
"""Kinds are stored as one byte: a row's key leaves room for any of them."""


@dataclass(frozen=True, slots=True)
class _Rows:
    """Summed rows keyed by trace number, context rank and kind, sorted by that key and
    with no key twice; the ranks point into the running sum's sorted context keys."""

    numbers: npt.NDArray[np.int64]
    ranks: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.uint8]
    counts: npt.NDArray[np.int64]
    weights: npt.NDArray[np.int64]
    first_ns: npt.NDArray[np.int64]
    last_ns: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.counts)

    def keys(self, contexts: int) -> npt.NDArray[np.int64]:
        """One sortable integer per row, in (trace, context, kind) order."""
        if len(self) and (int(self.numbers.max()) + 1) * max(contexts, 1) * _KIND_SPAN >= 1 << 63:
            raise OverflowError("too many traces and contexts to sum rows in one key")
        return (self.numbers * contexts + self.ranks) * _KIND_SPAN + self.kinds

    def mapped(self, change: Callable[[str, npt.NDArray[Any]], npt.NDArray[Any]]) -> _Rows:
        """Every column changed by `change(name, column)`."""
        fields = dataclasses.fields(self)
        return dataclasses.replace(
            self, **{f.name: change(f.name, getattr(self, f.name)) for f in fields}
        )


def sum_weights(parts: Iterable[EventWeights]) -> EventWeights:
    """Several summed results (of disjoint times) as one, summed again per (trace, context,
    kind): the same rows, in the same order, as summing their events at once. Each part
    is merged into the sum as it comes and may be let go before the next is made."""
    total = _RunningSum()
    for part in parts:
        total.add(part)
    return total.result()


class _RunningSum:
    """The rows added so far, summed and sorted, over the context keys seen so far."""

    def __init__(self) -> None:
        self._contexts = np.empty(0, np.uint64)
        self._rows: _Rows | None = None

    def add(self, part: EventWeights) -> None:
        if not len(part):
            return
        contexts = np.union1d(self._contexts, part.context_keys).astype(np.uint64)
        ranks = np.searchsorted(contexts, part.context_keys).astype(np.int64)
        rows = _Rows(
            part.trace_numbers[part.trace_index].astype(np.int64),
            ranks[part.context_index],
            part.kinds,
            part.counts,
            part.weights,
            part.first_ns,
            part.last_ns,
        )
        rows = _summed(rows, len(contexts))
        if self._rows is not None and len(contexts) != len(self._contexts):
            self._rows = _reranked(self._rows, np.searchsorted(contexts, self._contexts))
        self._contexts = contexts
        self._rows = rows if self._rows is None else _merged(self._rows, rows, len(contexts))

    def result(self) -> EventWeights:
        rows = self._rows if self._rows is not None else _summed(_no_rows(), 0)
        steps = np.diff(rows.numbers)
        new_trace = np.r_[True, steps > 0][: len(rows)]
        used = np.zeros(len(self._contexts), dtype=bool)
        used[rows.ranks] = True
        position = np.cumsum(used) - 1
        return EventWeights(
            np.cumsum(new_trace) - 1,
            rows.numbers[new_trace],
            position[rows.ranks],
            self._contexts[used],
            rows.kinds,
            rows.counts,
            rows.weights,
            rows.first_ns,
            rows.last_ns,
        )


def _no_rows() -> _Rows:
    nothing = np.empty(0, np.int64)
    return _Rows(nothing, nothing, np.empty(0, np.uint8), nothing, nothing, nothing, nothing)


def _summed(rows: _Rows, contexts: int) -> _Rows:
    """`rows` sorted by key with equal keys summed, in arrays of their own (the sum is
    changed in place later). Parts come sorted and distinct already: then only copied."""
    keys = rows.keys(contexts)
    if bool((keys[1:] > keys[:-1]).all()):
        return rows.mapped(lambda _, column: column.copy())
    return rows_grouped(rows, keys)


def _reranked(rows: _Rows, new_rank: npt.NDArray[np.intp]) -> _Rows:
    """The rows with their context ranks moved into a larger table of contexts."""
    return dataclasses.replace(rows, ranks=new_rank[rows.ranks].astype(np.int64))


def _merged(total: _Rows, part: _Rows, contexts: int) -> _Rows:
    """`part`'s rows added into `total` (both sorted, keys distinct): shared keys in place,
    the others inserted in key order."""
    total_keys = total.keys(contexts)
    part_keys = part.keys(contexts)
    at = np.searchsorted(total_keys, part_keys)
    shared = at < len(total_keys)
    shared[shared] = total_keys[at[shared]] == part_keys[shared]
    del total_keys, part_keys
    into = at[shared]
    total.counts[into] += part.counts[shared]
    total.weights[into] += part.weights[shared]
    total.first_ns[into] = np.minimum(total.first_ns[into], part.first_ns[shared])
    total.last_ns[into] = np.maximum(total.last_ns[into], part.last_ns[shared])
    new = ~shared
    before = at[new]
    return total.mapped(lambda name, column: np.insert(column, before, getattr(part, name)[new]))
