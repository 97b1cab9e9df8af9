"""Flame orientation: the same boxes with the root at the bottom and callees above.

The window draws rows downward from row 0 (an icicle). Negating every depth
turns the picture over without touching layout, hit-testing or zoom: the
row of depth d is drawn -d rows from the root, so the deepest frames come
first and the root last. A sandwich view turns over too (its callers then
sit below the function).
"""

from __future__ import annotations

import dataclasses

from devfiler.ui.flame_model import FlatFlame


def flipped(flat: FlatFlame) -> FlatFlame:
    """The flattened graph upside down."""
    return dataclasses.replace(
        flat,
        table=dataclasses.replace(flat.table, depth=-flat.table.depth),
        rows={-d: nodes for d, nodes in flat.rows.items()},
        row_starts={-d: starts for d, starts in flat.row_starts.items()},
        row_ends={-d: ends for d, ends in flat.row_ends.items()},
    )
