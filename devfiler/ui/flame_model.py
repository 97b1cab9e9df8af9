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
    lowered: tuple[str, ...]
    """Labels in lower case, for the filter."""
    path_key: tuple[int, ...]
    """Hash of the keys from the top node down: finds a node again in a newer result."""
    rows: dict[int, npt.NDArray[np.int64]]
    total: float

    @property
    def min_depth(self) -> int:
        return min(self.rows) if self.rows else 0

    @property
    def max_depth(self) -> int:
        return max(self.rows) if self.rows else 0

    def find_path(self, key: int) -> int | None:
        """Index of the node with this path key, or None when it is gone."""
        try:
            return self.path_key.index(key)
        except ValueError:
            return None


def node_key(node: FlameNode) -> str:
    return node.frame_key or node.label


def node_colour(node: FlameNode) -> tuple[int, int, int]:
    return frame_colour(node.kind, error=node.error or node.kind is FrameKind.ABORT)


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
    keys: list[int] = []
    total = 0.0
    for top, direction in parts:
        total = max(total, float(top.weight))
        stack: list[tuple[FlameNode, int, float, int, int]] = [(top, 0, 0.0, -1, 0)]
        while stack:
            node, row, left, up, up_key = stack.pop()
            key = hash((up_key, node_key(node)))
            index = up
            if not (direction < 0 and row == 0):
                index = len(nodes)
                nodes.append(node)
                depth.append(row * direction)
                start.append(left)
                parent.append(up)
                keys.append(key)
            offset = left + float(node.weight)
            for child in reversed(node.children):
                offset -= float(child.weight)
                stack.append((child, row + 1, offset, index, key))
    depth_array = np.asarray(depth, dtype=np.int32)
    order = np.argsort(depth_array, kind="stable")
    sorted_depths = depth_array[order]
    bounds = np.flatnonzero(np.r_[True, sorted_depths[1:] != sorted_depths[:-1]])
    rows = {}
    for i, begin in enumerate(bounds.tolist()):
        end = bounds[i + 1] if i + 1 < len(bounds) else len(order)
        row_nodes = order[begin:end]
        starts = np.asarray(start, dtype=np.float64)[row_nodes]
        rows[int(sorted_depths[begin])] = row_nodes[np.argsort(starts, kind="stable")]
    return FlatFlame(
        nodes=tuple(nodes),
        depth=depth_array,
        start=np.asarray(start, dtype=np.float64),
        weight=np.asarray([n.weight for n in nodes], dtype=np.float64),
        parent=np.asarray(parent, dtype=np.int32),
        colour=np.asarray([node_colour(n) for n in nodes], dtype=np.uint8).reshape(-1, 3),
        lowered=tuple(n.label.lower() for n in nodes),
        path_key=tuple(keys),
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
        [i for i, label in enumerate(flat.lowered) if needle in label], dtype=np.int64
    )
