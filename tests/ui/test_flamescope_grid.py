from __future__ import annotations

import numpy as np

from devfiler.analysis.flamescope import ROW_NS, ROWS
from devfiler.analysis.results import FlameScope, Unit
from devfiler.ui.flamescope_grid import (
    MAX_COLUMNS,
    SCALE_STOPS,
    SECOND_NS,
    cell_at,
    column_span,
    drag_span,
    heat_image,
    make_grid,
    scaled,
    span_rects,
)
from devfiler.ui.theme import BACKGROUND

T0 = 1_700_000_000 * SECOND_NS


def scope(*cells: tuple[int, int, int]) -> FlameScope:
    second_ns, row, weight = np.array(cells, dtype=np.int64).reshape(-1, 3).T
    return FlameScope(Unit.SAMPLES, T0, T0 + 10 * SECOND_NS, second_ns, row, weight)


def test_cells_land_in_their_second_and_row() -> None:
    grid = make_grid(scope((T0, 0, 3), (T0 + 2 * SECOND_NS, 99, 7)), T0 + 5, T0 + 10 * SECOND_NS)
    assert grid.origin_ns == T0 and grid.columns == 10 and grid.fine
    assert grid.weights.shape == (ROWS, 10)
    assert grid.weights[0, 0] == 3 and grid.weights[99, 2] == 7 and grid.peak == 7


def test_long_ranges_put_several_seconds_in_a_column() -> None:
    hours = 3 * 3600
    grid = make_grid(scope((T0 + 5 * SECOND_NS, 4, 1)), T0, T0 + hours * SECOND_NS)
    assert grid.columns <= MAX_COLUMNS and not grid.fine
    assert grid.column_ns == 9 * SECOND_NS
    assert grid.weights[4, 0] == 1
    assert cell_at(grid, 0.0, 0.5) == (0, 0)
    assert drag_span(grid, (1, 0), (0, 0)) == (T0, T0 + 2 * grid.column_ns)


def test_colours_run_light_to_dark_to_red_and_empty_cells_are_background() -> None:
    grid = make_grid(scope((T0, 0, 1), (T0, 1, 50), (T0, 2, 100)), T0, T0 + SECOND_NS)
    image = np.round(heat_image(grid)[..., :3] * 255).astype(int)
    light, red = SCALE_STOPS[0][1], SCALE_STOPS[-1][1]
    assert tuple(image[3, 0]) == BACKGROUND
    assert tuple(image[2, 0]) == red
    assert sum(image[0, 0]) > sum(image[1, 0]) < sum(red)
    assert abs(int(image[0, 0][0]) - light[0]) < 5


def test_drag_selects_the_time_between_two_cells_in_either_direction() -> None:
    grid = make_grid(scope(), T0, T0 + 10 * SECOND_NS)
    a, b = cell_at(grid, 0.25, 0.5), cell_at(grid, 0.05, 0.9)
    assert a == (2, 50) and b == (0, 90)
    start, end = drag_span(grid, a, b)
    assert start == T0 + 90 * ROW_NS
    assert end == T0 + 2 * SECOND_NS + 51 * ROW_NS
    assert column_span(grid, 3) == (T0 + 3 * SECOND_NS, T0 + 4 * SECOND_NS)


def test_selection_rectangles_follow_columns() -> None:
    grid = make_grid(scope(), T0, T0 + 10 * SECOND_NS)
    assert span_rects(grid, *column_span(grid, 3)) == [(3.0, 0.0, 4.0, float(ROWS))]
    rects = span_rects(grid, T0 + 90 * ROW_NS, T0 + 3 * SECOND_NS + 10 * ROW_NS)
    assert rects == [(0.0, 90.0, 1.0, 100.0), (1.0, 0.0, 3.0, 100.0), (3.0, 0.0, 4.0, 10.0)]
    assert span_rects(grid, T0 - 5 * SECOND_NS, T0 - SECOND_NS) == []


def test_scaled_image_keeps_cells_sharp() -> None:
    image = np.zeros((2, 2, 4), dtype=np.float32)
    image[0, 1] = 1.0
    big = scaled(image, 4, 6)
    assert big.shape == (6, 4, 4)
    assert big[:3, 2:].min() == 1.0 and big[:3, :2].max() == 0.0 and big[3:].max() == 0.0
