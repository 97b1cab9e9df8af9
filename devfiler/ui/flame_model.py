"""A flamegraph result flattened into arrays the window can lay out fast.

The analysis layer hands over a tree of FlameNode; walking that tree each
frame would be too slow for 10k+ visible boxes, so it is flattened once per
result (on a worker thread) into parallel numpy arrays in depth-first order,
grouped by row. Rows grow downward from the root (depth 0); a sandwich view
puts its callers on negative rows above the function.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.analysis.results import FlameNode
from devfiler.model import FrameKind
from devfiler.ui.theme import frame_colour


@dataclass(frozen=True, slots=True)
class FlatFlame:
    """Parallel arrays, one entry per node; `rows[d]` lists row d's nodes left to right."""

    nodes: tuple[FlameNode, ...]
    depth: npt.NDArray[np.int32]
    start: npt.NDArray[np.float64]
    """Left edge in weight units from the left edge of the row-0 node."""
    weight: npt.NDArray[np.float64]
    parent: npt.NDArray[np.int32]
    colour: npt.NDArray[np.uint8]
    rows: dict[int, npt.NDArray[np.int64]]
    total: float

    @property
    def min_depth(self) -> int:
        return min(self.rows) if self.rows else 0

    @property
    def max_depth(self) -> int:
        return max(self.rows) if self.rows else 0

    def path(self, index: int) -> tuple[str, ...]:
        """Keys from the top node down to `index`: finds the node again in a newer result."""
        keys = []
        while index >= 0:
            keys.append(node_key(self.nodes[index]))
            index = int(self.parent[index])
        return tuple(reversed(keys))

    def find_path(self, path: tuple[str, ...]) -> int | None:
        """Index of the node at this path, or None when it is gone."""
        found = -1
        for level, key in enumerate(path):
            rows = [self.rows.get(level), self.rows.get(-level)] if level else [self.rows.get(0)]
            candidates = [
                int(i) for row in rows if row is not None for i in row[self.parent[row] == found]
            ]
            found = next((i for i in candidates if node_key(self.nodes[i]) == key), -1)
            if found < 0:
                return None
        return found


def node_key(node: FlameNode) -> str:
    return node.frame_key or node.label


_PALETTE = np.asarray(
    [frame_colour(kind) for kind in FrameKind]
    + [frame_colour(None), frame_colour(None, error=True)],
    dtype=np.uint8,
)
_HEADER_SLOT = len(FrameKind)
_ERROR_SLOT = len(FrameKind) + 1
_KIND_SLOT = {kind: i for i, kind in enumerate(FrameKind)}


def _colour_slot(node: FlameNode) -> int:
    if node.error or node.kind is FrameKind.ABORT:
        return _ERROR_SLOT
    return _HEADER_SLOT if node.kind is None else _KIND_SLOT[node.kind]


def flatten(root: FlameNode) -> FlatFlame:
    """Lay a tree out downward: the root on row 0, children left to right in their order."""
    return flatten_parts([(root, 1)])


def flatten_parts(parts: Iterable[tuple[FlameNode, int]]) -> FlatFlame:
    """Lay out trees that share row 0: direction 1 grows down, -1 grows up (sandwich callers).

    A tree growing up skips its own top node, which the downward tree already
    draws on row 0.
    """
    nodes: list[FlameNode] = []
    depth: list[int] = []
    start: list[float] = []
    parent: list[int] = []
    total = 0.0
    for top, direction in parts:
        total = max(total, float(top.weight))
        # An upward tree hangs from the row-0 node the first tree drew.
        shared_top = 0 if nodes else -1
        stack: list[tuple[FlameNode, int, float, int]] = [(top, 0, 0.0, shared_top)]
        while stack:
            node, row, left, up = stack.pop()
            index = shared_top
            if direction > 0 or row:
                index = len(nodes)
                nodes.append(node)
                depth.append(row * direction)
                start.append(left)
                parent.append(up)
            offset = left + node.weight
            for child in reversed(node.children):
                offset -= child.weight
                stack.append((child, row + 1, offset, index))
    depth_array = np.asarray(depth, dtype=np.int32)
    start_array = np.asarray(start, dtype=np.float64)
    order = np.lexsort((start_array, depth_array))
    sorted_depths = depth_array[order]
    bounds = np.flatnonzero(np.r_[True, sorted_depths[1:] != sorted_depths[:-1]]).tolist()
    ends = [*bounds[1:], len(order)]
    rows = {
        int(sorted_depths[begin]): order[begin:end]
        for begin, end in zip(bounds, ends, strict=True)
        if end > begin
    }
    slots = np.fromiter((_colour_slot(n) for n in nodes), dtype=np.int64, count=len(nodes))
    return FlatFlame(
        nodes=tuple(nodes),
        depth=depth_array,
        start=start_array,
        weight=np.fromiter((n.weight for n in nodes), dtype=np.float64, count=len(nodes)),
        parent=np.asarray(parent, dtype=np.int32),
        colour=_PALETTE[slots].reshape(-1, 3),
        rows=rows,
        total=total or 1.0,
    )


def hit(flat: FlatFlame, row: int, position: float) -> int | None:
    """The node on `row` covering `position` (weight units), if any."""
    row_nodes = flat.rows.get(row)
    if row_nodes is None or not len(row_nodes):
        return None
    starts = flat.start[row_nodes]
    slot = int(np.searchsorted(starts, position, side="right")) - 1
    if slot < 0:
        return None
    index = int(row_nodes[slot])
    if position < flat.start[index] + flat.weight[index]:
        return index
    return None


MIN_FILTER_LENGTH = 3


def matches(flat: FlatFlame, text: str) -> npt.NDArray[np.int64]:
    """Nodes whose label holds `text` (case-insensitive), in depth-first order.

    Shorter texts than MIN_FILTER_LENGTH match nothing: one or two letters
    would light up almost every box.
    """
    needle = text.strip().lower()
    if len(needle) < MIN_FILTER_LENGTH:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(
        [i for i, node in enumerate(flat.nodes) if needle in node.label.lower()], dtype=np.int64
    )
