"""FlameScope: weight per (second, 10 ms row) from the events' real nanosecond timestamps."""

from __future__ import annotations

import numpy as np

from devfiler.analysis.results import FlameScope
from devfiler.analysis.selection import SelectedTimes
from devfiler.analysis.tree import aggregate_pairs

_SECOND = 1_000_000_000
ROW_NS = 10_000_000
ROWS = _SECOND // ROW_NS


def flamescope(events: SelectedTimes) -> FlameScope:
    """`events` is `select_times(store, selection)`, or a loaded profile's `times`."""
    seconds, within = np.divmod(events.timestamps, _SECOND)
    first = int(seconds.min()) if len(seconds) else 0
    cells, rows, weights = aggregate_pairs(seconds - first, within // ROW_NS, events.weights)
    return FlameScope(
        events.unit,
        events.start_ns,
        events.end_ns,
        tuple(
            ((first + s) * _SECOND, r, w)
            for s, r, w in zip(cells.tolist(), rows.tolist(), weights.tolist(), strict=True)
        ),
    )
