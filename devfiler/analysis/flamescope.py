"""FlameScope: weight per (second, 10 ms row) from the events' real nanosecond timestamps."""

from __future__ import annotations

import numpy as np

from devfiler.analysis.results import FlameScope
from devfiler.analysis.selection import SelectedTimes

_SECOND = 1_000_000_000
ROW_NS = 10_000_000
ROWS = _SECOND // ROW_NS
_DENSE_CELLS = 1 << 22
"""Cells a dense count may span whatever the number of events: 32 MB, 11 hours."""


def flamescope(events: SelectedTimes) -> FlameScope:
    """`events` is `select_times(store, selection)`, or a loaded profile's `times`.

    Cells are numbered from the first event's second, so summing is one
    `bincount` over the range's cells (360,000 for an hour) instead of a sort
    of every event; only events spread far wider than their number are
    sorted instead.
    """
    seconds, within = np.divmod(events.timestamps, _SECOND)
    first = int(seconds.min()) if len(seconds) else 0
    cell = (seconds - first) * ROWS + within // ROW_NS
    if len(cell) and int(cell.max()) < _DENSE_CELLS + 4 * len(cell):
        present = np.flatnonzero(np.bincount(cell))
        weight = np.bincount(cell, weights=events.weights)[present]
    else:
        present, index = np.unique(cell, return_inverse=True)
        weight = np.bincount(index, weights=events.weights, minlength=len(present))
    second, row = np.divmod(present, ROWS)
    return FlameScope(
        events.unit,
        events.start_ns,
        events.end_ns,
        (second + first) * _SECOND,
        row,
        np.rint(weight).astype(np.int64),
    )
