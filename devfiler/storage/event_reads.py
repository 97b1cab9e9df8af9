"""Reading events by time range: the event blocks, and the summaries of settled buckets
wholly inside the range (storage/summary_plan.py) in place of their blocks.

Every read gives the same result with or without summaries. A summary the
plan counted on may be dropped by a late write before it is read; the read
then starts over from the event blocks alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Protocol, Self, TypeVar, cast

import numpy as np
import numpy.typing as npt

from devfiler.model import SampleKind
from devfiler.storage.blocks import Block, BlockSummary, decode_block, read_summary
from devfiler.storage.cells import FlameCells
from devfiler.storage.events import (
    WEIGHT_CHUNK_BLOCKS,
    EventColumns,
    EventTimes,
    EventWeights,
    SecondRows,
    SecondSums,
    merge_blocks,
    merge_times,
    merge_weights,
    sum_blocks,
)
from devfiler.storage.keys import NS_PER_SECOND, decode_event_key, encode_second
from devfiler.storage.summary_book import SummaryBook
from devfiler.storage.summary_format import (
    decode_cells,
    decode_rows,
    decode_seconds,
    summary_key,
)
from devfiler.storage.summary_plan import ReadPlan, plan_read
from devfiler.storage.summary_state import LEVELS
from devfiler.storage.tables import (
    EVENTS,
    SUMMARY_CELLS,
    SUMMARY_ROWS,
    SUMMARY_SECONDS,
    TableSpec,
)
from devfiler.storage.weight_merge import sum_weights


class EventReads(SummaryBook):
    """The events of a time range, as columns, weights, times, per-second sums or cells."""

    def _blocks_raw(self, start_ns: int, end_ns: int) -> Iterator[tuple[int, SampleKind, bytes]]:
        """(second, kind, raw block) of every block that may hold events in [start, end)."""
        if end_ns <= start_ns:
            return
        first_second = start_ns // NS_PER_SECOND
        last_second = (end_ns - 1) // NS_PER_SECOND
        it = self._tables[EVENTS.name].iter()
        it.seek(encode_second(first_second))
        while it.valid():
            second, kind, _ = decode_event_key(it.key())
            if second > last_second:
                break
            yield second, kind, it.value()
            it.next()

    def _blocks(
        self, start_ns: int, end_ns: int, kinds: Iterable[SampleKind] | None
    ) -> Iterator[tuple[int, Block]]:
        wanted = set(kinds) if kinds is not None else set(SampleKind)
        for second, kind, raw in self._blocks_raw(start_ns, end_ns):
            if kind in wanted:
                yield second, decode_block(raw)

    def read_events(
        self, start_ns: int, end_ns: int, kinds: Iterable[SampleKind] | None = None
    ) -> EventColumns:
        """Every event with start_ns <= timestamp < end_ns of the given kinds (all if None)."""
        return merge_blocks(self._blocks(start_ns, end_ns, kinds), start_ns, end_ns)

    def read_weights(
        self,
        start_ns: int,
        end_ns: int,
        kinds: Iterable[SampleKind] | None = None,
        *,
        chunk_blocks: int = WEIGHT_CHUNK_BLOCKS,
        summaries: bool = True,
    ) -> EventWeights:
        """Like `read_events`, summed per (trace, context, kind) `chunk_blocks` blocks at a
        time: no row per event is kept. Summarized buckets wholly inside the range are read
        from their summaries (storage/summary_plan.py) unless `summaries` is False; the
        result is the same."""
        plan = self._plan(start_ns, end_ns) if summaries else ReadPlan((), ((start_ns, end_ns),))
        raw = merge_weights(self._planned_blocks(plan, kinds), start_ns, end_ns, chunk_blocks)
        if not plan.buckets:
            return raw
        wanted = _kind_codes(kinds)
        try:
            if len(plan.buckets) == 1 and not len(raw) and len(wanted) == len(SampleKind):
                # A summary is stored as the read of its bucket gives it: nothing to sum.
                return decode_rows(next(self._summary_values(SUMMARY_ROWS, plan)))
            # One summary decoded at a time: each is let go once its rows are gathered.
            return sum_weights(
                itertools.chain(
                    [raw],
                    (
                        _of_kinds(decode_rows(value), wanted)
                        for value in self._summary_values(SUMMARY_ROWS, plan)
                    ),
                )
            )
        except _SummaryGoneError:
            return self.read_weights(start_ns, end_ns, kinds, summaries=False)

    def read_times(
        self, start_ns: int, end_ns: int, kinds: Iterable[SampleKind] | None = None
    ) -> EventTimes:
        """Like `read_events` without the trace and context tables (cheaper to merge)."""
        return merge_times(self._blocks(start_ns, end_ns, kinds), start_ns, end_ns)

    def read_second_sums(
        self,
        start_ns: int,
        end_ns: int,
        kinds: Iterable[SampleKind] | None = None,
        *,
        summaries: bool = True,
    ) -> SecondSums:
        """The events of the range summed per second and kind (storage/events.py `SecondSums`).

        Summarized buckets give their per-second sums; of the other blocks only
        those of the seconds the range's ends cut are decoded, the others give
        their header's sums, so a timeline of whole-second buckets costs a key scan.
        """
        plan = self._plan(start_ns, end_ns) if summaries else ReadPlan((), ((start_ns, end_ns),))
        wanted = set(kinds) if kinds is not None else set(SampleKind)
        first_whole = -(-start_ns // NS_PER_SECOND)
        end_whole = end_ns // NS_PER_SECOND
        whole: list[tuple[int, BlockSummary]] = []
        cut: list[tuple[int, Block]] = []
        for begin, end in plan.raw:
            for second, kind, raw in self._blocks_raw(begin, end):
                if kind not in wanted:
                    continue
                if first_whole <= second < end_whole:
                    whole.append((second, read_summary(raw)))
                else:
                    cut.append((second, decode_block(raw)))
        codes = _kind_codes(kinds)
        try:
            summed = [
                _of_kinds(rows, codes)
                for rows in map(decode_seconds, self._summary_values(SUMMARY_SECONDS, plan))
            ]
        except _SummaryGoneError:
            return self.read_second_sums(start_ns, end_ns, kinds, summaries=False)
        rows = SecondRows.joined([SecondRows.of_blocks(whole), *summed])
        return sum_blocks(rows, merge_times(cut, start_ns, end_ns))

    def read_cells(
        self,
        start_ns: int,
        end_ns: int,
        kinds: Iterable[SampleKind] | None = None,
        *,
        summaries: bool = True,
    ) -> FlameCells:
        """The events of the range summed per (second, 10 ms row, kind) (storage/cells.py),
        from the summaries of the finest summarized buckets wholly inside the range and
        from the blocks for the rest; a cell may come in several rows (sum them)."""
        plan = (
            self._plan(start_ns, end_ns, (LEVELS[-1],))
            if summaries
            else ReadPlan((), ((start_ns, end_ns),))
        )
        times = merge_times(self._planned_blocks(plan, kinds), start_ns, end_ns)
        codes = _kind_codes(kinds)
        try:
            stored = [
                _of_kinds(cells, codes)
                for cells in map(decode_cells, self._summary_values(SUMMARY_CELLS, plan))
            ]
        except _SummaryGoneError:
            return self.read_cells(start_ns, end_ns, kinds, summaries=False)
        return FlameCells.joined([FlameCells.of_times(times), *stored])

    def block_summaries(
        self, start_ns: int = -(1 << 63), end_ns: int = (1 << 63) - 1
    ) -> Iterator[tuple[int, BlockSummary]]:
        """(second, summary) of every block in range, reading headers only."""
        for second, _, raw in self._blocks_raw(start_ns, end_ns):
            yield second, read_summary(raw)

    def _plan(self, start_ns: int, end_ns: int, lengths: tuple[int, ...] = LEVELS) -> ReadPlan:
        """The plan of a read through the summaries of buckets of these lengths."""
        if end_ns <= start_ns:
            return ReadPlan((), ())
        first = start_ns // NS_PER_SECOND - LEVELS[0]
        last = -(-end_ns // NS_PER_SECOND)
        present = [bucket for bucket in self.summarized(first, last) if bucket[1] in lengths]
        return plan_read(present, start_ns, end_ns)

    def _planned_blocks(
        self, plan: ReadPlan, kinds: Iterable[SampleKind] | None
    ) -> Iterator[tuple[int, Block]]:
        for begin, end in plan.raw:
            yield from self._blocks(begin, end, kinds)

    def _summary_values(self, spec: TableSpec, plan: ReadPlan) -> Iterator[bytes]:
        """The stored summaries of the plan's buckets one by one (not all in memory at once).

        A late write may drop one after the plan was made; the caller then
        reads the range from the event blocks (`_SummaryGoneError`).
        """
        if not plan.buckets:
            return
        table = self._tables[spec.name]
        for start, length in plan.buckets:
            value = table.get(summary_key(start, length))
            if value is None:
                raise _SummaryGoneError
            yield cast(bytes, value)


class _SummaryGoneError(Exception):
    """A summary the read planned to use was deleted meanwhile."""


def _kind_codes(kinds: Iterable[SampleKind] | None) -> npt.NDArray[np.uint8]:
    return np.array(sorted(set(kinds) if kinds is not None else set(SampleKind)), np.uint8)


class _KindRows(Protocol):
    @property
    def kinds(self) -> npt.NDArray[np.uint8]: ...

    def select(self, mask: npt.NDArray[np.bool_]) -> Self: ...


_Rows = TypeVar("_Rows", bound=_KindRows)


def _of_kinds(rows: _Rows, codes: npt.NDArray[np.uint8]) -> _Rows:
    """The rows of the wanted kinds (a summary holds every kind)."""
    if len(codes) == len(SampleKind):
        return rows
    return rows.select(np.isin(rows.kinds, codes))
