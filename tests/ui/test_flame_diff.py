"""Differential flamegraphs in the window's model: colours by change, both weights in tooltips."""

from __future__ import annotations

import numpy as np

from devfiler.analysis.labels import LabeledFrame, root_frame
from devfiler.analysis.results import Unit
from devfiler.analysis.tree import build_table
from devfiler.model import FrameKind
from devfiler.ui.flame_layout import Geometry, layout, tooltip
from devfiler.ui.flame_model import flatten
from devfiler.ui.flame_view import FlameView
from devfiler.ui.theme import GREW, SHRANK, UNCHANGED, change_colours


def test_change_colours_run_from_blue_through_grey_to_red() -> None:
    colours = change_colours(np.array([-1.0, 0.0, 1.0, 0.5]))
    assert [tuple(c) for c in colours[:3]] == [SHRANK, UNCHANGED, GREW]
    assert UNCHANGED[0] < colours[3][0] < GREW[0]


def test_a_differential_table_draws_by_change_and_tells_both_weights() -> None:
    frames = [
        LabeledFrame("grew", "grew", FrameKind.NATIVE, "grew", key="a"),
        LabeledFrame("shrank", "shrank", FrameKind.NATIVE, "shrank", key="b"),
    ]
    codes = np.array([0, 1], dtype=np.int64)
    offsets = np.array([0, 1, 2], dtype=np.int64)
    now = np.array([30, 10], dtype=np.int64)
    before = np.array([10, 30], dtype=np.int64)
    table = build_table(frames, codes, offsets, [now, before], root_frame("all"))
    flat = flatten(table)
    assert flat.table.change is not None and flat.table.base_weight is not None
    index = {flat.label(i): i for i in range(len(flat))}
    shown = layout(flat, FlameView(), Geometry(400, 200, 18, 7.0))
    colour = {flat.label(int(i)): tuple(c) for i, c in zip(shown.index, shown.colour, strict=True)}
    assert colour["all"] == UNCHANGED
    assert colour["grew"][0] > colour["grew"][2] and colour["shrank"][2] > colour["shrank"][0]
    lines = tooltip(flat.table.node(index["grew"]), int(flat.total), Unit.SAMPLES, dev_mode=False)
    assert "Baseline: 10 samples" in lines
    assert "Change of share: +0.50 (-1 gone, +1 new)" in lines
