"""FlameScope result -> heat-map image, and mouse positions <-> time spans (pure).

Columns are seconds of the shown range (several seconds per column when the
range has more than MAX_COLUMNS seconds), rows the 10 ms buckets of a second,
top to bottom. Cells are in time order column by column, so a drag from one
cell to another selects the time between them; with several seconds to a
column only whole columns can be told apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.analysis.flamescope import ROW_NS, ROWS
from devfiler.analysis.results import FlameScope
from devfiler.ui.theme import BACKGROUND, RGB

SECOND_NS = 1_000_000_000
MAX_COLUMNS = 1200
SCALE_STOPS: tuple[tuple[float, RGB], ...] = (
    (0.0, (238, 232, 215)),
    (0.55, (96, 34, 70)),
    (1.0, (235, 38, 30)),
)
"""Colour of a cell by its share of the hottest cell: light, then dark, then red."""

Cell = tuple[int, int]
"""(column, row) of the grid."""


@dataclass(frozen=True, slots=True)
class Grid:
    origin_ns: int
    """Start of the first column (a whole second)."""
    column_ns: int
    columns: int
    weights: npt.NDArray[np.float64]
    """(ROWS, columns) weight per cell."""

    @property
    def peak(self) -> float:
        return float(self.weights.max()) if self.weights.size else 0.0

    @property
    def end_ns(self) -> int:
        return self.origin_ns + self.columns * self.column_ns

    @property
    def fine(self) -> bool:
        """One second per column: rows are 10 ms steps in time order."""
        return self.column_ns == SECOND_NS


def make_grid(result: FlameScope, start_ns: int, end_ns: int) -> Grid:
    """The cells of [start, end) (the shown range), filled from the result."""
    origin = start_ns // SECOND_NS * SECOND_NS
    seconds = max(math.ceil((end_ns - origin) / SECOND_NS), 1)
    per_column = math.ceil(seconds / MAX_COLUMNS)
    columns = math.ceil(seconds / per_column)
    weights = np.zeros((ROWS, columns), dtype=np.float64)
    column = (result.second_ns - origin) // (per_column * SECOND_NS)
    inside = (column >= 0) & (column < columns)
    np.add.at(weights, (result.row[inside], column[inside]), result.weight[inside])
    return Grid(origin, per_column * SECOND_NS, columns, weights)


def colour_scale(share: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    """RGB in 0..1 for shares in 0..1, along SCALE_STOPS."""
    at = [stop for stop, _ in SCALE_STOPS]
    channels = [
        np.interp(share, at, [colour[channel] / 255.0 for _, colour in SCALE_STOPS])
        for channel in range(3)
    ]
    return np.stack(channels, axis=-1).astype(np.float32)


def heat_image(grid: Grid) -> npt.NDArray[np.float32]:
    """RGBA (ROWS, columns, 4): empty cells in the background colour."""
    image = np.empty((ROWS, grid.columns, 4), dtype=np.float32)
    image[..., :3] = np.asarray(BACKGROUND, dtype=np.float32) / 255.0
    image[..., 3] = 1.0
    peak = grid.peak
    lit = grid.weights > 0
    if peak > 0:
        share = grid.weights[lit] / peak
        image[lit, :3] = colour_scale(share)
    return image


def cell_at(grid: Grid, fx: float, fy: float) -> Cell:
    """The cell under a point given as fractions (0..1) of the drawn map."""
    column = min(max(int(fx * grid.columns), 0), grid.columns - 1)
    row = min(max(int(fy * ROWS), 0), ROWS - 1)
    return column, row if grid.fine else 0


def cell_start(grid: Grid, cell: Cell) -> int:
    column, row = cell
    return grid.origin_ns + column * grid.column_ns + (row * ROW_NS if grid.fine else 0)


def cell_end(grid: Grid, cell: Cell) -> int:
    if not grid.fine:
        return grid.origin_ns + (cell[0] + 1) * grid.column_ns
    return cell_start(grid, cell) + ROW_NS


def drag_span(grid: Grid, a: Cell, b: Cell) -> tuple[int, int]:
    """[start, end) covering both cells and every cell between them in time."""
    first, last = sorted((a, b))
    return cell_start(grid, first), cell_end(grid, last)


def column_span(grid: Grid, column: int) -> tuple[int, int]:
    """A double-click: the whole second (column) under the mouse."""
    start = grid.origin_ns + column * grid.column_ns
    return start, start + grid.column_ns


def span_rects(grid: Grid, start_ns: int, end_ns: int) -> list[tuple[float, float, float, float]]:
    """The selected cells as rectangles (column0, row0, column1, row1), cell units, ends open."""
    start = max(start_ns, grid.origin_ns)
    end = min(end_ns, grid.end_ns)
    if end <= start:
        return []
    if not grid.fine:
        c0 = (start - grid.origin_ns) / grid.column_ns
        c1 = (end - grid.origin_ns) / grid.column_ns
        return [(c0, 0.0, c1, float(ROWS))]
    first = (start - grid.origin_ns) // ROW_NS
    last = (end - grid.origin_ns - 1) // ROW_NS
    c0, r0 = divmod(first, ROWS)
    c1, r1 = divmod(last, ROWS)
    if c0 == c1:
        return [(float(c0), float(r0), c0 + 1.0, r1 + 1.0)]
    rects = [(float(c0), float(r0), c0 + 1.0, float(ROWS))]
    if c1 > c0 + 1:
        rects.append((c0 + 1.0, 0.0, float(c1), float(ROWS)))
    rects.append((float(c1), 0.0, c1 + 1.0, r1 + 1.0))
    return rects


def scaled(image: npt.NDArray[np.float32], width: int, height: int) -> npt.NDArray[np.float32]:
    """The cell image blown up to (height, width) pixels, nearest cell per pixel.

    Textures are sampled with linear filtering: stretching the small image on
    the GPU would blur the cells into each other.
    """
    rows, columns = image.shape[:2]
    pick_rows = np.minimum(np.arange(height) * rows // max(height, 1), rows - 1)
    pick_columns = np.minimum(np.arange(width) * columns // max(width, 1), columns - 1)
    return np.ascontiguousarray(image[pick_rows[:, None], pick_columns[None, :]])
