"""Top functions cells: bars, counts, kind colours, summary line and heat strips."""

from __future__ import annotations

import dataclasses

import numpy as np

from devfiler.analysis.results import HEAT_BINS, Selection, TopFunction, TopOrder, Unit
from devfiler.model import FrameKind, SampleKind
from devfiler.ui.theme import FRAME_COLOURS, HEAT_SELF, HEAT_TOTAL
from devfiler.ui.topfuncs_rows import (
    HEAT_EMPTY,
    HEAT_FOLLOW_SECONDS,
    carried_heat,
    heat_due,
    heat_rows,
    row_cells,
)

SECOND = 1_000_000_000


def item(name: str, self_w: int, total_w: int, heat_self: float = 0.0) -> TopFunction:
    total_heat = [0.0] * HEAT_BINS
    total_heat[10] = 1.0
    self_heat = [0.0] * HEAT_BINS
    total_heat[20] = 1.0
    self_heat[20] = heat_self
    return TopFunction(
        name,
        "f.c",
        FrameKind.KERNEL,
        self_w,
        total_w,
        self_w / 10,
        total_w / 10,
        tuple(self_heat),
        tuple(total_heat),
    )


def test_cells_show_percentages_counts_and_kind_colour() -> None:
    cells = row_cells(item("start_thread", 0, 731), Unit.SAMPLES)
    assert cells.total_text == "73.10%" and cells.self_text == "0.00%"
    assert abs(cells.total_pct - 0.731) < 1e-9
    assert cells.total_count == "731" and cells.self_count == "0"
    assert cells.kind_colour == FRAME_COLOURS[FrameKind.KERNEL]
    big = row_cells(item("x", 1950, 1950), Unit.SAMPLES)
    assert big.self_count == "1.95K" and big.self_pct == 1.0
    timed = row_cells(item("x", 2_500_000, 3_000_000_000), Unit.NANOSECONDS)
    assert timed.self_count == "2.5 ms" and timed.total_count == "3 s"


def test_heat_rows_paint_total_and_self_bins() -> None:
    image = heat_rows((item("a", 1, 2, heat_self=1.0), item("b", 1, 2)), HEAT_BINS, 4)
    assert image.shape == (4, HEAT_BINS, 4)
    assert np.allclose(image[0, 10, :3], np.asarray(HEAT_TOTAL) / 255.0)
    assert np.allclose(image[0, 20, :3], np.asarray(HEAT_SELF) / 255.0)
    assert np.allclose(image[1, 20, :3], np.asarray(HEAT_TOTAL) / 255.0)
    assert np.allclose(image[1, 30, :3], np.asarray(HEAT_EMPTY) / 255.0)
    assert np.allclose(image[3, 10, :3], np.asarray(HEAT_EMPTY) / 255.0)


def test_a_table_without_strips_keeps_the_strips_shown_for_the_same_functions() -> None:
    shown = (item("a", 1, 5, 0.5), item("b", 2, 4))
    bare = tuple(
        dataclasses.replace(i, heat_self=(), heat_total=(), self_weight=9)
        for i in (item("b", 2, 4), item("c", 1, 1))
    )
    carried = carried_heat(bare, shown)
    assert [i.self_weight for i in carried] == [9, 9]
    assert carried[0].heat_total == shown[1].heat_total
    assert carried[0].heat_self == shown[1].heat_self
    assert carried[1].heat_total == ()
    fresh = (item("b", 2, 4, 1.0),)
    assert carried_heat(fresh, shown) == fresh


def test_strips_are_read_again_when_the_view_changes_or_after_a_while_following() -> None:
    hour = Selection(0, 3600 * SECOND)
    moved = Selection(SECOND, 3601 * SECOND)
    shown = ("topfuncs", hour, 1, TopOrder.TOTAL, "")
    assert not heat_due(shown, ("topfuncs", moved, 2, TopOrder.TOTAL, ""), 1.0)
    assert heat_due(shown, ("topfuncs", moved, 2, TopOrder.TOTAL, ""), HEAT_FOLLOW_SECONDS)
    assert heat_due(shown, ("topfuncs", moved, 2, TopOrder.SELF, ""), 1.0)
    assert heat_due(shown, ("topfuncs", moved, 2, TopOrder.TOTAL, "php"), 1.0)
    assert heat_due(shown, ("topfuncs", Selection(0, 1800 * SECOND), 1, TopOrder.TOTAL, ""), 1.0)
    other_kind = Selection(SECOND, 3601 * SECOND, frozenset({SampleKind.OFF_CPU}))
    assert heat_due(shown, ("topfuncs", other_kind, 2, TopOrder.TOTAL, ""), 1.0)
    assert heat_due(None, shown, 0.0)
