"""FlameScope: weight per (second, 10 ms row) from the events' real nanosecond timestamps."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from devfiler.analysis.results import (
    UNBOUNDED_END,
    UNBOUNDED_START,
    FlameScope,
    Selection,
    Unit,
)
from devfiler.analysis.selection import SelectedTimes, effective_range, select_times
from devfiler.storage.cells import ROW_NS, ROWS
from devfiler.storage.store import Store

__all__ = ["ROWS", "ROW_NS", "column_seconds", "flamescope", "store_flamescope"]
_SECOND = 1_000_000_000
_DENSE_CELLS = 1 << 22
"""Cells a dense count may span whatever the number of events: 32 MB, 11 hours."""


def flamescope(events: SelectedTimes) -> FlameScope:
    """`events` is `select_times(store, selection)`, or a loaded profile's `times`.

    Cells are numbered from the first event's second, so summing is one
    `bincount` over the range's cells (360,000 for an hour) instead of a sort
    of every event; only events spread far wider than their number are
    sorted instead.
    """
    cells = np.floor_divide(events.timestamps, ROW_NS)
    return _summed(events.unit, events.start_ns, events.end_ns, cells, None, events.weights)


MAX_SECOND_COLUMNS = 4096
"""Columns of one second each up to a little over an hour (a last hour that starts and ends
inside seconds touches 3,601): a day of them is 8.6 million cells, more than anyone reads
and seconds of work to print, so longer ranges sum several seconds a column."""


def column_seconds(start_ns: int, end_ns: int, most: int = MAX_SECOND_COLUMNS) -> int:
    """The fewest whole seconds per column that keep [start, end) within `most` columns."""
    seconds = -(-end_ns // _SECOND) - start_ns // _SECOND
    return max(-(-seconds // most), 1)


def store_flamescope(store: Store, selection: Selection, column_s: int | None = 1) -> FlameScope:
    """The FlameScope of a selection in the store: without context filters, from the cells
    the store sums per (second, row) (`Store.read_cells`, mostly from summaries); with them,
    from the selected events. The result is the same.

    `column_s` seconds are summed per column, counted from the range's first second;
    None picks `column_seconds` of the range.
    """
    if selection.include or selection.exclude:
        return by_columns(flamescope(select_times(store, selection)), column_s)
    cells = store.read_cells(selection.start_ns, selection.end_ns, selection.kinds)
    unbounded = selection.start_ns == UNBOUNDED_START or selection.end_ns == UNBOUNDED_END
    stamps = np.empty(0, np.int64)
    if len(cells) and unbounded:
        # An unbounded end is the first or last event, to the nanosecond: cells do not tell.
        sums = store.read_second_sums(selection.start_ns, selection.end_ns, selection.kinds)
        stamps = sums.timestamps
    start, end = effective_range(selection, stamps)
    weights = cells.weights if selection.unit is Unit.NANOSECONDS else cells.counts
    step = column_seconds(start, end) if column_s is None else column_s
    return _summed(
        selection.unit, start, end, cells.cells, cells.counts, weights, step, start // _SECOND
    )


def by_columns(result: FlameScope, column_s: int | None) -> FlameScope:
    """A one-second FlameScope summed `column_s` seconds a column (None: `column_seconds`)."""
    step = column_seconds(result.start_ns, result.end_ns) if column_s is None else column_s
    if step == 1:
        return result
    return _summed(
        result.unit,
        result.start_ns,
        result.end_ns,
        result.second_ns // _SECOND * ROWS + result.row,
        None,
        result.weight,
        step,
        result.start_ns // _SECOND,
    )


def _summed(
    unit: Unit,
    start_ns: int,
    end_ns: int,
    cells: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64] | None,
    weights: npt.NDArray[np.int64],
    column_s: int = 1,
    origin_s: int = 0,
) -> FlameScope:
    """Weights summed per cell (storage/cells.py numbering) and per column of `column_s`
    seconds counted from second `origin_s`; `counts` of events per entry (None: one each)
    says which cells are not empty.

    Cells are counted in one dense table from the first column on when the
    events are not spread far wider than their number (a day is 8.6 million
    cells), and columns are sums of its rows; only wider spreads are sorted.
    """
    if not len(cells):
        empty = np.empty(0, np.int64)
        return FlameScope(unit, start_ns, end_ns, empty, empty, empty, column_s * _SECOND)
    low_s = int(cells.min()) // ROWS
    first_s = origin_s + (low_s - origin_s) // column_s * column_s
    cell = cells - first_s * ROWS
    span = int(cell.max()) + 1
    if span < _DENSE_CELLS + 4 * len(cell):
        width = column_s * ROWS
        size = -(-span // width) * width

        def table(of: npt.NDArray[np.int64] | None) -> npt.NDArray[Any]:
            dense: npt.NDArray[Any] = np.bincount(cell, weights=of, minlength=size)
            if column_s == 1:
                return dense
            return dense.reshape(-1, column_s, ROWS).sum(axis=1).ravel()  # type: ignore[no-any-return]

        present = np.flatnonzero(table(counts))
        weight: npt.NDArray[Any] = table(weights)[present]
    else:
        second, row = np.divmod(cell, ROWS)
        present, index = np.unique(second // column_s * ROWS + row, return_inverse=True)
        weight = np.bincount(index, weights=weights, minlength=len(present))
    column, row = np.divmod(present, ROWS)
    return FlameScope(
        unit,
        start_ns,
        end_ns,
        (first_s + column * column_s) * _SECOND,
        row,
        np.rint(weight).astype(np.int64),
        column_s * _SECOND,
    )
