"""Events of a time range as one set of numpy columns, merged from many blocks.

Per block only the columns are cut out of the stored bytes; every sum,
offset and index remapping then runs once over the concatenation, so a range
of thousands of blocks costs a few numpy calls plus one short step per block.
Traces are dense integer numbers, so finding the distinct ones is a mark in a
boolean map, not a sort.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.distinct import small_unique, sorted_keys
from devfiler.storage.blocks import Block, BlockSummary, CorruptBlockError
from devfiler.storage.keys import NS_PER_SECOND
from devfiler.storage.row_columns import rows_grouped, rows_joined, rows_where

_DISTINCT_TABLES = ("trace_numbers", "context_keys")
"""Fields of the tables event rows index into: kept whole when rows are picked."""


@dataclass(frozen=True, slots=True)
class EventTimes:
    """When the events of a range happened, their kind and weight: enough for a timeline."""

    timestamps: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.uint8]
    weights: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.timestamps)


@dataclass(frozen=True, slots=True)
class EventColumns:
    """One row per event. Indices point into the distinct `trace_numbers` / `context_keys`.

    Analysis works on these arrays: aggregate per distinct trace with numpy,
    then look up only the distinct traces. Both tables are sorted by value.
    """

    timestamps: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.uint8]
    weights: npt.NDArray[np.int64]
    trace_index: npt.NDArray[np.intp]
    trace_numbers: npt.NDArray[np.int64]
    context_index: npt.NDArray[np.intp]
    context_keys: npt.NDArray[np.uint64]

    def __len__(self) -> int:
        return len(self.timestamps)

    def select(self, mask: npt.NDArray[np.bool_]) -> EventColumns:
        """Keep the rows where `mask` holds; the distinct tables stay as they are."""
        return rows_where(self, mask, _DISTINCT_TABLES)

    @classmethod
    def empty(cls) -> EventColumns:
        return cls(
            np.empty(0, np.int64),
            np.empty(0, np.uint8),
            np.empty(0, np.int64),
            np.empty(0, np.intp),
            np.empty(0, np.int64),
            np.empty(0, np.intp),
            np.empty(0, np.uint64),
        )


@dataclass(frozen=True, slots=True)
class _Concatenated:
    """The blocks' columns end to end, before cutting to the range."""

    times: EventTimes
    keep: npt.NDArray[np.bool_] | None
    """Rows inside the range; None when every row is."""
    seconds: list[int]
    blocks: list[Block]
    counts: npt.NDArray[np.int64]


def _concatenate(
    blocks: Iterable[tuple[int, Block]], start_ns: int, end_ns: int
) -> _Concatenated | None:
    seconds: list[int] = []
    kept_blocks: list[Block] = []
    for second, block in blocks:
        seconds.append(second)
        kept_blocks.append(block)
    if not kept_blocks:
        return None
    counts = np.fromiter((b.summary.events for b in kept_blocks), np.int64, len(kept_blocks))
    timestamps = np.concatenate([b.offsets for b in kept_blocks]).astype(np.int64)
    timestamps += np.repeat(np.array(seconds, dtype=np.int64) * NS_PER_SECOND, counts)
    kind_codes = np.fromiter((b.summary.kind for b in kept_blocks), np.uint8, len(kept_blocks))
    if all(b.weights is None for b in kept_blocks):
        weights = np.ones(len(timestamps), dtype=np.int64)
    else:
        weights = np.concatenate([b.weight_column() for b in kept_blocks])
    inside = (timestamps >= start_ns) & (timestamps < end_ns)
    return _Concatenated(
        EventTimes(timestamps, np.repeat(kind_codes, counts), weights),
        None if inside.all() else inside,
        seconds,
        kept_blocks,
        counts,
    )


def merge_times(blocks: Iterable[tuple[int, Block]], start_ns: int, end_ns: int) -> EventTimes:
    """Timestamps, kinds and weights of (second, block) pairs with start <= ts < end."""
    merged = _concatenate(blocks, start_ns, end_ns)
    if merged is None:
        return EventTimes(np.empty(0, np.int64), np.empty(0, np.uint8), np.empty(0, np.int64))
    times, keep = merged.times, merged.keep
    if keep is None:
        return times
    return EventTimes(times.timestamps[keep], times.kinds[keep], times.weights[keep])


def merge_blocks(blocks: Iterable[tuple[int, Block]], start_ns: int, end_ns: int) -> EventColumns:
    """Concatenate (second, block) pairs, keeping events with start <= ts < end."""
    merged = _concatenate(blocks, start_ns, end_ns)
    if merged is None:
        return EventColumns.empty()
    numbers = np.concatenate([b.trace_numbers for b in merged.blocks])
    trace_numbers, trace_index = small_unique(numbers, int(numbers.max(initial=0)) + 1)
    context_index = _global_index(
        [b.context_index for b in merged.blocks],
        [len(b.context_keys) for b in merged.blocks],
        merged,
    )
    keys, _, key_inverse = sorted_keys(np.concatenate([b.context_keys for b in merged.blocks]))
    times, keep = merged.times, merged.keep
    if keep is not None:
        times = EventTimes(times.timestamps[keep], times.kinds[keep], times.weights[keep])
        trace_index, context_index = trace_index[keep], context_index[keep]
    return EventColumns(
        times.timestamps,
        times.kinds,
        times.weights,
        trace_index,
        trace_numbers.astype(np.int64),
        key_inverse[context_index],
        keys,
    )


def _global_index(
    columns: list[npt.NDArray[np.uint16] | npt.NDArray[np.uint32]],
    table_sizes: list[int],
    merged: _Concatenated,
) -> npt.NDArray[np.intp]:
    """Block-local indices as indices into the blocks' tables laid end to end."""
    local = np.concatenate(columns).astype(np.intp)
    sizes = np.array(table_sizes, dtype=np.intp)
    limits = np.repeat(sizes, merged.counts)
    if len(local) and bool((local >= limits).any()):
        row = int(np.flatnonzero(local >= limits)[0])
        block = int(np.searchsorted(np.cumsum(merged.counts), row, side="right"))
        raise CorruptBlockError(
            f"event block of second {merged.seconds[block]} has an index out of range"
        )
    bases = np.zeros(len(sizes), dtype=np.intp)
    np.cumsum(sizes[:-1], out=bases[1:])
    local += np.repeat(bases, merged.counts)
    return local


@dataclass(frozen=True, slots=True)
class SecondSums:
    """Events summed per second and kind, for views that bin by whole seconds.

    A second gives two rows: its first event's time with the second's event
    count and weight, and its last event's time with nothing, so that the
    rows span exactly what the events span. Seconds the range cuts give a row
    per event inside it instead.
    """

    timestamps: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.uint8]
    counts: npt.NDArray[np.int64]
    weights: npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class SecondRows:
    """Events summed per second and kind (a row per block, or per (second, kind) once
    `summed`): their count, weight, first and last event."""

    seconds: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.uint8]
    counts: npt.NDArray[np.int64]
    weights: npt.NDArray[np.int64]
    first_offsets: npt.NDArray[np.int64]
    """Nanoseconds within the second."""
    last_offsets: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.seconds)

    def select(self, mask: npt.NDArray[np.bool_]) -> SecondRows:
        return rows_where(self, mask)

    @classmethod
    def of_blocks(cls, blocks: list[tuple[int, BlockSummary]]) -> SecondRows:
        """One row per block, from its header."""
        n = len(blocks)
        return cls(
            np.fromiter((second for second, _ in blocks), np.int64, n),
            np.fromiter((s.kind for _, s in blocks), np.uint8, n),
            np.fromiter((s.events for _, s in blocks), np.int64, n),
            np.fromiter((s.total_weight for _, s in blocks), np.int64, n),
            np.fromiter((s.min_offset for _, s in blocks), np.int64, n),
            np.fromiter((s.max_offset for _, s in blocks), np.int64, n),
        )

    @classmethod
    def of_times(cls, times: EventTimes) -> SecondRows:
        """One row per event."""
        seconds, within = np.divmod(times.timestamps, NS_PER_SECOND)
        ones = np.ones(len(seconds), np.int64)
        return cls(seconds, times.kinds, ones, times.weights, within, within)

    def summed(self) -> SecondRows:
        """One row per distinct (second, kind)."""
        if not len(self):
            return self
        group = (self.seconds - self.seconds.min()) * 256 + self.kinds
        order = np.argsort(group, kind="stable")
        ordered = group[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        return SecondRows(
            self.seconds[order[starts]],
            self.kinds[order[starts]],
            np.add.reduceat(self.counts[order], starts),
            np.add.reduceat(self.weights[order], starts),
            np.minimum.reduceat(self.first_offsets[order], starts),
            np.maximum.reduceat(self.last_offsets[order], starts),
        )

    @classmethod
    def joined(cls, parts: list[SecondRows]) -> SecondRows:
        return rows_joined(parts)


def sum_blocks(whole: SecondRows, cut: EventTimes) -> SecondSums:
    """Rows of the seconds wholly inside a range (from block headers or summaries) and of
    the events `cut` keeps of the blocks the range's ends fall in."""
    seconds = whole.seconds * NS_PER_SECOND
    first, last = seconds + whole.first_offsets, seconds + whole.last_offsets
    nothing = np.zeros(len(whole), np.int64)
    return SecondSums(
        np.concatenate([first, last, cut.timestamps]),
        np.concatenate([whole.kinds, whole.kinds, cut.kinds]),
        np.concatenate([whole.counts, nothing, np.ones(len(cut), np.int64)]),
        np.concatenate([whole.weights, nothing, cut.weights]),
    )


@dataclass(frozen=True, slots=True)
class EventWeights:
    """The events of a range summed per distinct (trace, context, kind): what views that
    show no times need, at a fraction of the memory of one row per event.

    Indices point into the sorted distinct `trace_numbers` / `context_keys`;
    `first_ns` / `last_ns` are the earliest and latest event of each row.
    """

    trace_index: npt.NDArray[np.intp]
    trace_numbers: npt.NDArray[np.int64]
    context_index: npt.NDArray[np.intp]
    context_keys: npt.NDArray[np.uint64]
    kinds: npt.NDArray[np.uint8]
    counts: npt.NDArray[np.int64]
    weights: npt.NDArray[np.int64]
    first_ns: npt.NDArray[np.int64]
    last_ns: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.counts)

    def select(self, mask: npt.NDArray[np.bool_]) -> EventWeights:
        """Keep the rows where `mask` holds; the distinct tables stay as they are."""
        return rows_where(self, mask, _DISTINCT_TABLES)


@dataclass(frozen=True, slots=True)
class _WeightRows:
    """Summed rows keyed by the stored trace number and context key, before numbering."""

    numbers: npt.NDArray[np.int64]
    keys: npt.NDArray[np.uint64]
    kinds: npt.NDArray[np.uint8]
    counts: npt.NDArray[np.int64]
    weights: npt.NDArray[np.int64]
    first_ns: npt.NDArray[np.int64]
    last_ns: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.counts)

    @classmethod
    def of_events(cls, columns: EventColumns) -> _WeightRows:
        """The events summed per (trace, context, kind), grouping the indices `merge_blocks`
        gave them: no second grouping of context keys."""
        if not len(columns):
            return cls._each(columns)
        kind_span = int(columns.kinds.max()) + 1
        pair = columns.trace_index * len(columns.context_keys) + columns.context_index
        return cls._each(columns).grouped(pair * kind_span + columns.kinds)

    @classmethod
    def of_weights(cls, summed: EventWeights) -> _WeightRows:
        return cls(
            summed.trace_numbers[summed.trace_index],
            summed.context_keys[summed.context_index],
            summed.kinds,
            summed.counts,
            summed.weights,
            summed.first_ns,
            summed.last_ns,
        )

    @classmethod
    def _each(cls, columns: EventColumns) -> _WeightRows:
        """One row per event."""
        n = len(columns)
        return cls(
            columns.trace_numbers[columns.trace_index],
            columns.context_keys[columns.context_index],
            columns.kinds,
            np.ones(n, np.int64),
            columns.weights,
            columns.timestamps,
            columns.timestamps,
        )

    @classmethod
    def joined(cls, parts: list[_WeightRows]) -> _WeightRows:
        return rows_joined(parts)

    def summed(self) -> _WeightRows:
        """One row per distinct (trace, context, kind)."""
        if not len(self):
            return self
        keys, _, key_index = sorted_keys(self.keys)
        kind_span = int(self.kinds.max()) + 1
        return self.grouped((self.numbers * len(keys) + key_index) * kind_span + self.kinds)

    def grouped(self, group: npt.NDArray[np.int64]) -> _WeightRows:
        """One row per distinct value of `group`, a key of (trace, context, kind) per row."""
        return rows_grouped(self, group)


WEIGHT_CHUNK_BLOCKS = 1024
"""Blocks merged at a time when summing: a few hundred thousand events of busy data."""
_FOLD_ROWS = 1 << 22
_FOLD_PARTS = 16
"""Summed rows (or chunks) gathered before they are summed again, bounding memory on long
ranges."""


class _WeightSum:
    """Summed rows gathered part by part and folded now and then, so a long range never
    holds more than a few million rows at once."""

    def __init__(self) -> None:
        self._parts: list[_WeightRows] = []
        self._pending = 0

    def add(self, rows: _WeightRows) -> None:
        self._parts.append(rows)
        self._pending += len(rows)
        if self._pending >= _FOLD_ROWS or len(self._parts) >= _FOLD_PARTS:
            self._parts = [_WeightRows.joined(self._parts).summed()]
            self._pending = len(self._parts[0])

    def result(self) -> EventWeights:
        if self._parts:
            rows = _WeightRows.joined(self._parts).summed()
        else:
            rows = _WeightRows.of_events(EventColumns.empty())
        trace_numbers, trace_index = small_unique(
            rows.numbers, int(rows.numbers.max(initial=0)) + 1
        )
        keys, _, key_index = sorted_keys(rows.keys)
        return EventWeights(
            trace_index,
            trace_numbers.astype(np.int64),
            key_index,
            keys,
            rows.kinds,
            rows.counts,
            rows.weights,
            rows.first_ns,
            rows.last_ns,
        )


def merge_weights(
    blocks: Iterable[tuple[int, Block]],
    start_ns: int,
    end_ns: int,
    chunk_blocks: int = WEIGHT_CHUNK_BLOCKS,
) -> EventWeights:
    """Sum (second, block) pairs per (trace, context, kind), keeping events with
    start <= ts < end; blocks are merged `chunk_blocks` at a time, never all at once."""
    total = _WeightSum()
    chunk: list[tuple[int, Block]] = []
    for item in blocks:
        chunk.append(item)
        if len(chunk) == chunk_blocks:
            total.add(_WeightRows.of_events(merge_blocks(chunk, start_ns, end_ns)))
            chunk.clear()
    if chunk:
        total.add(_WeightRows.of_events(merge_blocks(chunk, start_ns, end_ns)))
    return total.result()


def sum_events(columns: EventColumns) -> EventWeights:
    """`merge_weights` of events already merged."""
    total = _WeightSum()
    total.add(_WeightRows.of_events(columns))
    return total.result()
