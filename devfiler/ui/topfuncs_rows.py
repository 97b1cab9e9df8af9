"""Top functions -> table cells and the heat-map strips (pure, tested without a window)."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from devfiler.analysis.results import Selection, TopFunction, Unit
from devfiler.ui.formatting import short_weight
from devfiler.ui.theme import HEAT_SELF, HEAT_TOTAL, frame_colour

HEAT_EMPTY = (34, 34, 34)
HEAT_FOLLOW_SECONDS = 10.0
"""While the range follows the present, heat strips are read again at most this often."""
HEAT_FLOOR = 0.35
"""Faintest shade of a non-empty heat bin, so a single sample still shows."""


@dataclass(frozen=True, slots=True)
class RowCells:
    self_pct: float
    """0..1 for the bar behind the number."""
    self_text: str
    total_pct: float
    total_text: str
    self_count: str
    total_count: str
    kind_colour: tuple[int, int, int]
    function: str
    file: str


def row_cells(item: TopFunction, unit: Unit) -> RowCells:
    return RowCells(
        self_pct=min(max(item.self_pct / 100.0, 0.0), 1.0),
        self_text=f"{item.self_pct:.2f}%",
        total_pct=min(max(item.total_pct / 100.0, 0.0), 1.0),
        total_text=f"{item.total_pct:.2f}%",
        self_count=short_weight(item.self_weight, unit),
        total_count=short_weight(item.total_weight, unit),
        kind_colour=frame_colour(item.kind),
        function=item.function,
        file=item.file,
    )


def carried_heat(
    items: tuple[TopFunction, ...], shown: tuple[TopFunction, ...]
) -> tuple[TopFunction, ...]:
    """Items without strips take those of the same function among the `shown` ones.

    A table drawn before its strips are read keeps the strips it showed
    (a range following the present hardly changes them), so they do not
    blink off each time the range moves.
    """
    strips = {(i.function, i.file): i for i in shown if i.heat_total}
    kept = []
    for item in items:
        before = strips.get((item.function, item.file))
        if item.heat_total or before is None:
            kept.append(item)
        else:
            kept.append(replace(item, heat_self=before.heat_self, heat_total=before.heat_total))
    return tuple(kept)


def heat_due(shown: Hashable, wanted: Hashable, age_s: float) -> bool:
    """Whether the strips of the table keyed `wanted` are to be read now.

    Keys are the tab's result keys: ("topfuncs", selection, change, order,
    filter). Strips read less than HEAT_FOLLOW_SECONDS ago for the same view
    whose range has only moved forward (following the present) still stand,
    carried over by function: reading every event of the range again each
    second would cost several times the table.
    """
    if not isinstance(shown, tuple) or not isinstance(wanted, tuple):
        return True
    before, now = shown[1], wanted[1]
    if not isinstance(before, Selection) or not isinstance(now, Selection):
        return True
    same_view = replace(before, start_ns=now.start_ns, end_ns=now.end_ns) == now
    forward = now.start_ns >= before.start_ns and now.end_ns >= before.end_ns
    recent = age_s < HEAT_FOLLOW_SECONDS
    return not (same_view and forward and recent and shown[3:] == wanted[3:])


def heat_rows(items: tuple[TopFunction, ...], bins: int, rows: int) -> npt.NDArray[np.float32]:
    """An RGBA image, one pixel row per function.

    Brightness says how much of the range's weight the function had in a
    bin (with children); the hue runs from blue (only on the stack) to red
    (always the leaf) with its self share. `rows` fixes the image height
    (the texture's), so rows past the items stay empty.
    """
    empty = np.asarray(HEAT_EMPTY, dtype=np.float32) / 255.0
    blue = np.asarray(HEAT_TOTAL, dtype=np.float32) / 255.0
    red = np.asarray(HEAT_SELF, dtype=np.float32) / 255.0
    image = np.empty((rows, bins, 4), dtype=np.float32)
    image[..., :3] = empty
    image[..., 3] = 1.0
    for row, item in enumerate(items[:rows]):
        if len(item.heat_total) != bins:
            continue
        total = np.clip(np.asarray(item.heat_total, dtype=np.float32), 0.0, 1.0)
        own = np.asarray(item.heat_self, dtype=np.float32) if item.heat_self else np.zeros(bins)
        lit = total > 0
        share = np.clip(own[lit] / total[lit], 0.0, 1.0)[:, None]
        hue = blue + (red - blue) * share
        shade = (HEAT_FLOOR + (1.0 - HEAT_FLOOR) * total[lit])[:, None]
        image[row, lit, :3] = empty + (hue - empty) * shade
    return image
