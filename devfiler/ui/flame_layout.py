"""Flamegraph -> what to paint: box pixels, label texts and tooltips.

Pure functions, tested without a window. The tab paints the boxes as one
texture (rasterize) because ten thousand rectangle draw items are too slow
to rebuild while panning, and puts Dear PyGui text items only on boxes wide
enough to hold text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.analysis.results import FlameNode, Unit
from devfiler.ui.flame_model import FlatFlame
from devfiler.ui.flame_view import FlameView
from devfiler.ui.formatting import percent, weight
from devfiler.ui.theme import BACKGROUND, FRAME_TEXT, HEADER_TEXT, dim

LABEL_PADDING = 3.0
"""Pixels between a box's left edge and its text."""
DIM_AMOUNT = 0.72


@dataclass(frozen=True, slots=True)
class Geometry:
    """The drawing area and the size of rows and label glyphs, in pixels."""

    width: int
    height: int
    row_height: int
    char_width: float


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    y: float
    text: str
    colour: tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class FlameLayout:
    """Visible boxes as arrays (pixel columns [x0, x1), row top y) plus their labels."""

    index: npt.NDArray[np.int64]
    x0: npt.NDArray[np.int64]
    x1: npt.NDArray[np.int64]
    y: npt.NDArray[np.int64]
    colour: npt.NDArray[np.uint8]
    labels: tuple[Label, ...]
    tops: npt.NDArray[np.int64]
    """Top pixel of every visible row, boxes or not."""

    def __len__(self) -> int:
        return len(self.index)


def content_height(flat: FlatFlame, row_height: int) -> int:
    return (flat.max_depth - flat.min_depth + 1) * row_height


def row_top(flat: FlatFlame, row: int, row_height: int) -> int:
    """Pixel offset of a row from the top of the content (before scrolling)."""
    return (row - flat.min_depth) * row_height


def row_at(flat: FlatFlame, view: FlameView, y: float, row_height: int) -> int:
    return int((y + view.top) // row_height) + flat.min_depth


def position_at(flat: FlatFlame, view: FlameView, x: float, width: int) -> float:
    """The weight position under screen column x."""
    return (view.x0 + x / max(width, 1) * view.span) * flat.total


def layout(
    flat: FlatFlame,
    view: FlameView,
    geometry: Geometry,
    highlight: npt.NDArray[np.int64] | None = None,
    top_text: str | None = None,
) -> FlameLayout:
    """Boxes at least 1 px wide on visible rows; text only where a glyph fits.

    With `highlight` (the filter's matches), every other box is dimmed.
    `top_text` replaces the label of node 0 (the root bar says how it is viewed).
    """
    rh = geometry.row_height
    scale = geometry.width / (view.span * flat.total)
    left = view.x0 * flat.total
    first_row = row_at(flat, view, 0, rh)
    last_row = row_at(flat, view, geometry.height - 1, rh)
    right = left + view.span * flat.total
    rows = range(max(first_row, flat.min_depth), min(last_row, flat.max_depth) + 1)
    tops = np.asarray([row_top(flat, row, rh) for row in rows], dtype=np.int64)
    tops -= np.int64(round(view.top))
    parts: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]] = []
    for row in rows:
        starts, ends = flat.row_starts.get(row), flat.row_ends.get(row)
        if starts is None or ends is None:
            continue
        # Only the nodes overlapping [left, right): a row is sorted, so bisect it.
        lo = int(np.searchsorted(ends, left, side="right"))
        hi = int(np.searchsorted(starts, right, side="left"))
        x0 = (starts[lo:hi] - left) * scale
        x1 = (ends[lo:hi] - left) * scale
        keep = x1 - x0 >= 1.0
        parts.append((flat.rows[row][lo:hi][keep], x0[keep], x1[keep]))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return FlameLayout(empty, empty, empty, empty, np.zeros((0, 3), np.uint8), (), tops)
    index = np.concatenate([p[0] for p in parts]).astype(np.int64)
    fx0 = np.concatenate([p[1] for p in parts])
    fx1 = np.concatenate([p[2] for p in parts])
    px0 = np.clip(np.floor(fx0 + 0.5), 0, geometry.width).astype(np.int64)
    px1 = np.clip(np.floor(fx1 + 0.5), 0, geometry.width).astype(np.int64)
    y = (
        (flat.table.depth[index].astype(np.int64) - flat.min_depth) * rh - np.int64(round(view.top))
    ).astype(np.int64)
    colour = flat.colours(index)
    lit = None if highlight is None else np.isin(index, highlight)
    if lit is not None:
        dimmed = ~lit
        colour[dimmed] = _dim_all(colour[dimmed])
    labels = _labels(flat, index, fx0, fx1, y, geometry, lit, top_text)
    return FlameLayout(index, px0, px1, y, colour, labels, tops)


def _dim_all(colours: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    background = np.asarray(BACKGROUND, dtype=np.float64)
    mixed = colours * (1.0 - DIM_AMOUNT) + background * DIM_AMOUNT
    return np.round(mixed).astype(np.uint8)


def _labels(
    flat: FlatFlame,
    index: npt.NDArray[np.int64],
    fx0: npt.NDArray[np.float64],
    fx1: npt.NDArray[np.float64],
    y: npt.NDArray[np.int64],
    geometry: Geometry,
    lit: npt.NDArray[np.bool_] | None,
    top_text: str | None,
) -> tuple[Label, ...]:
    left = np.maximum(fx0, 0.0)
    right = np.minimum(fx1, float(geometry.width))
    fits = np.floor((right - left - 2 * LABEL_PADDING) / geometry.char_width).astype(np.int64)
    labels = []
    for slot in np.flatnonzero(fits >= 1).tolist():
        node = int(index[slot])
        box = int(flat.table.box[node])
        full = top_text if node == 0 and top_text is not None else flat.table.boxes[box].label
        text = full[: int(fits[slot])]
        if not text:
            continue
        header = flat.header(box)
        colour = HEADER_TEXT if header else FRAME_TEXT
        if lit is not None and not lit[slot] and not header:
            colour = dim(colour, DIM_AMOUNT)
        labels.append(Label(float(left[slot]) + LABEL_PADDING, float(y[slot]), text, colour))
    return tuple(labels)


@dataclass(frozen=True, slots=True)
class RowLines:
    """One pixel line per visible row: `lines[i]` is painted from `tops[i]` down one row."""

    tops: npt.NDArray[np.int64]
    lines: npt.NDArray[np.float32]
    """(rows, width, 3) RGB in 0..1."""


def row_lines(
    layout_: FlameLayout, width: int, out: npt.NDArray[np.float32] | None = None
) -> RowLines:
    """The boxes of each row as one line of pixels, 1 px gaps between boxes wider than 2 px.

    A row's boxes are the same from its top to its bottom, so the window
    uploads one texel line per row and stretches it, instead of every pixel.
    With `out` (rows, width, 3) the lines are painted into it.
    """
    background = np.asarray(BACKGROUND, dtype=np.float32) / np.float32(255.0)
    # Boxes clipped at the window's edges may have no pixel column left.
    keep = layout_.x1 > layout_.x0
    x0, y, colours = layout_.x0[keep], layout_.y[keep], layout_.colour[keep]
    x1 = layout_.x1[keep]
    x1 = np.where(x1 - x0 >= 3, x1 - 1, x1)
    tops = layout_.tops
    if out is not None:
        tops = tops[: len(out)]
    row_of = np.searchsorted(tops, y)
    inside = row_of < len(tops)
    # +k at a box's start and -k at its end: a cumulative sum marks box k's
    # columns (boxes never overlap), and index 0 is the background.
    marks = np.zeros((len(tops), width + 1), dtype=np.int64)
    ids = np.arange(1, len(x0) + 1, dtype=np.int64)
    np.add.at(marks, (row_of[inside], x0[inside]), ids[inside])
    np.add.at(marks, (row_of[inside], x1[inside]), -ids[inside])
    owner = np.cumsum(marks[:, :width], axis=1)
    palette = np.vstack([background, colours.astype(np.float32) / np.float32(255.0)])
    if out is None:
        return RowLines(tops, palette[owner])
    np.take(palette, owner, axis=0, out=out[: len(tops)])
    return RowLines(tops, out[: len(tops)])


def tooltip(node: FlameNode, total: int, unit: Unit, *, dev_mode: bool) -> list[str]:
    """Hover text: the frame, its self and total weight (value and % of the root)."""
    lines = [node.label]
    if node.function and node.function not in node.label:
        lines.append(f"Function: {node.function}")
    lines.append(f"Self:  {weight(node.self_weight, unit)} ({percent(node.self_weight, total)})")
    lines.append(f"Total: {weight(node.weight, unit)} ({percent(node.weight, total)})")
    if node.base_weight is not None and node.change is not None:
        lines.append(f"Baseline: {weight(node.base_weight, unit)}")
        lines.append(f"Change of share: {node.change:+.2f} (-1 gone, +1 new)")
    if node.inline:
        lines.append("Inlined frame")
    if dev_mode:
        if node.file_id is not None:
            lines.append(f"File ID: {node.file_id.hex()}")
        if node.address is not None:
            lines.append(f"Address: {node.address:#x}")
        if node.frame_key:
            lines.append(f"Frame ID: {node.frame_key}")
    return lines
