"""A flamegraph result as the arrays the window lays out, hit-tests and filters.

The analysis layer hands over a FlameTable: nodes in depth-first order,
children left to right. Per-node Python objects would cost seconds on a
large graph, so everything here stays in numpy arrays indexed by node, and
what a node shows (label, colour, key) is computed once per distinct box
and looked up through `box`. Rows grow downward from the root (depth 0); a
sandwich view puts its callers on negative rows above the function. Trees
of FlameNode (sandwich views) are turned into tables first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import LabeledFrame
from devfiler.analysis.results import FlameNode, FlameTable
from devfiler.model import FrameKind
from devfiler.ui.theme import change_colours, frame_colour


@dataclass(frozen=True, slots=True)
class FlatFlame:
    """A FlameTable laid out in rows: `rows[d]` lists row d's nodes left to right.

    The nodes, their boxes and weights are the table's; what is added here
    is where each node sits and what each box looks like.
    """

    table: FlameTable
    start: npt.NDArray[np.float64]
    """Left edge in weight units from the left edge of the row-0 node."""
    rows: dict[int, npt.NDArray[np.int64]]
    row_starts: dict[int, npt.NDArray[np.float64]]
    """`start` of each row's nodes, ascending: a view finds its visible slice by bisection."""
    row_ends: dict[int, npt.NDArray[np.float64]]
    total: float
    box_slots: npt.NDArray[np.int8]
    """Each box's colour in the palette, -1 until a node of it is drawn: a window following
    the present flattens a new tree of thousands of boxes every refresh and draws a few
    hundred of them."""

    def colours(self, index: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
        """Box colours of these nodes: by frame kind, or by change in a differential view."""
        if self.table.change is not None:
            return change_colours(self.table.change[index])
        boxes = self.table.box[index]
        slots = self.box_slots[boxes]
        if bool((slots < 0).any()):
            for box in np.unique(boxes[slots < 0]).tolist():
                self.box_slots[box] = _colour_slot(self.table.boxes[box])
            slots = self.box_slots[boxes]
        return _PALETTE[slots]

    def header(self, box: int) -> bool:
        """Whether the box is no frame (root, threads): drawn grey with light text."""
        return self.table.boxes[box].kind is None

    def __len__(self) -> int:
        return len(self.table)

    @property
    def min_depth(self) -> int:
        return min(self.rows) if self.rows else 0

    @property
    def max_depth(self) -> int:
        return max(self.rows) if self.rows else 0

    def label(self, index: int) -> str:
        return self.table.boxes[int(self.table.box[index])].label

    def key(self, index: int) -> str:
        """What identifies a node among its siblings across results (frame key, else label)."""
        box = self.table.boxes[int(self.table.box[index])]
        return box.key or box.label

    def path(self, index: int) -> tuple[str, ...]:
        """Keys from the top node down to `index`: finds the node again in a newer result."""
        keys = []
        while index >= 0:
            keys.append(self.key(index))
            index = int(self.table.parent[index])
        return tuple(reversed(keys))

    def find_path(self, path: tuple[str, ...]) -> int | None:
        """Index of the node at this path, or None when it is gone."""
        found = -1
        for level, key in enumerate(path):
            rows = [self.rows.get(level), self.rows.get(-level)] if level else [self.rows.get(0)]
            candidates = [
                int(i)
                for row in rows
                if row is not None
                for i in row[self.table.parent[row] == found]
            ]
            found = next((i for i in candidates if self.key(i) == key), -1)
            if found < 0:
                return None
        return found


_PALETTE = np.asarray(
    [frame_colour(kind) for kind in FrameKind]
    + [frame_colour(None), frame_colour(None, error=True)],
    dtype=np.uint8,
)
_HEADER_SLOT = len(FrameKind)
_ERROR_SLOT = len(FrameKind) + 1
_KIND_SLOT = {kind: i for i, kind in enumerate(FrameKind)}


def _colour_slot(box: LabeledFrame) -> int:
    if box.error or box.kind is FrameKind.ABORT:
        return _ERROR_SLOT
    return _HEADER_SLOT if box.kind is None else _KIND_SLOT[box.kind]


def flatten(table: FlameTable) -> FlatFlame:
    """Lay a tree out downward: the root on row 0, children left to right in their order."""
    return _laid_out(table, _starts(table))


def flatten_parts(parts: Sequence[tuple[FlameTable, int]]) -> FlatFlame:
    """Lay out trees that share row 0: direction 1 grows down, -1 grows up (sandwich callers).

    Trees after the first skip their own top node, which the first tree
    already draws on row 0, and hang from it; the joined table's depths are
    negative upward.
    """
    boxes: list[LabeledFrame] = []
    box, depth, start, weight, own, parent, end = [], [], [], [], [], [], []
    count = 0
    for part, (table, direction) in enumerate(parts):
        skip = 1 if part else 0
        moved = table.parent
        if part:
            # Without their top node, nodes move up one and its children hang from node 0.
            moved = np.where(table.parent > 0, table.parent - 1 + count, 0)
        box.append(table.box[skip:] + len(boxes))
        depth.append(table.depth[skip:] * direction)
        start.append(_starts(table)[skip:])
        weight.append(table.weight[skip:])
        own.append(table.self_weight[skip:])
        parent.append(moved[skip:])
        end.append(table.end[skip:] - skip + count)
        boxes.extend(table.boxes)
        count += len(table) - skip
    ends = np.concatenate(end).astype(np.int64)
    if len(ends):
        ends[0] = count
    joined = FlameTable(
        boxes=tuple(boxes),
        box=np.concatenate(box).astype(np.int64),
        parent=np.concatenate(parent).astype(np.int64),
        depth=np.concatenate(depth).astype(np.int64),
        end=ends,
        weight=np.concatenate(weight).astype(np.int64),
        self_weight=np.concatenate(own).astype(np.int64),
    )
    return _laid_out(joined, np.concatenate(start))


def _laid_out(table: FlameTable, start: npt.NDArray[np.float64]) -> FlatFlame:
    # Depth-first order lists each row's nodes left to right: a stable sort keeps it.
    order = np.argsort(table.depth, kind="stable")
    sorted_depths = table.depth[order]
    bounds = np.flatnonzero(np.r_[True, sorted_depths[1:] != sorted_depths[:-1]]).tolist()
    ends = [*bounds[1:], len(order)]
    rows = {
        int(sorted_depths[begin]): order[begin:end]
        for begin, end in zip(bounds, ends, strict=True)
        if end > begin
    }
    end_all = start + table.weight
    total = float(table.weight[0]) if len(table) else 0.0
    return FlatFlame(
        table=table,
        start=start,
        rows=rows,
        row_starts={row: start[nodes] for row, nodes in rows.items()},
        row_ends={row: end_all[nodes] for row, nodes in rows.items()},
        total=total or 1.0,
        box_slots=np.full(len(table.boxes), -1, dtype=np.int8),
    )


def _starts(table: FlameTable) -> npt.NDArray[np.float64]:
    """Left edges: a node starts where its parent does, plus its earlier siblings' weight.

    In depth-first order, what lies left of a node is the subtrees before
    it that do not hold it, and what a node weighs beside its children
    (its own and omitted weight) sits at its right end. So a node's left
    edge is that spare weight summed over the nodes before it, less over
    its ancestors (the nodes whose span [node, end) covers it): two running
    sums, however deep the tree.
    """
    n = len(table)
    spare = table.weight.astype(np.int64)
    child = np.flatnonzero(table.parent >= 0)
    np.subtract.at(spare, table.parent[child], table.weight[child])
    before = np.cumsum(spare) - spare
    covering = np.zeros(n + 1, dtype=np.int64)
    covering[1:] = spare
    np.subtract.at(covering, table.end, spare)
    start: npt.NDArray[np.float64] = (before - np.cumsum(covering[:n])).astype(np.float64)
    return start


def table_of_tree(root: FlameNode) -> FlameTable:
    """A FlameNode tree as a FlameTable (for results that still come as trees)."""
    boxes: dict[LabeledFrame, int] = {}
    box: list[int] = []
    parent: list[int] = []
    depth: list[int] = []
    weight: list[int] = []
    own: list[int] = []
    stack: list[tuple[FlameNode, int, int]] = [(root, -1, 0)]
    while stack:
        node, up, level = stack.pop()
        frame = LabeledFrame(
            node.label,
            node.label,
            node.kind,
            node.function,
            node.file,
            node.frame_key,
            node.kind_name,
            node.inline,
            node.error,
            node.file_id,
            node.address,
        )
        index = len(box)
        box.append(boxes.setdefault(frame, len(boxes)))
        parent.append(up)
        depth.append(level)
        weight.append(node.weight)
        own.append(node.self_weight)
        stack.extend((child, index, level + 1) for child in reversed(node.children))
    # Children come after their parent: sizes add up from the last node back.
    size = [1] * len(box)
    for index in range(len(box) - 1, 0, -1):
        size[parent[index]] += size[index]
    return FlameTable(
        boxes=tuple(boxes),
        box=np.asarray(box, dtype=np.int64),
        parent=np.asarray(parent, dtype=np.int64),
        depth=np.asarray(depth, dtype=np.int64),
        end=np.arange(len(box), dtype=np.int64) + np.asarray(size, dtype=np.int64),
        weight=np.asarray(weight, dtype=np.int64),
        self_weight=np.asarray(own, dtype=np.int64),
    )


def hit(flat: FlatFlame, row: int, position: float) -> int | None:
    """The node on `row` covering `position` (weight units), if any."""
    starts = flat.row_starts.get(row)
    if starts is None:
        return None
    slot = int(np.searchsorted(starts, position, side="right")) - 1
    if slot < 0 or position >= flat.row_ends[row][slot]:
        return None
    return int(flat.rows[row][slot])


MIN_FILTER_LENGTH = 3


def matches(flat: FlatFlame, text: str) -> npt.NDArray[np.int64]:
    """Nodes whose label holds `text` (case-insensitive), in depth-first order.

    Shorter texts than MIN_FILTER_LENGTH match nothing: one or two letters
    would light up almost every box.
    """
    needle = text.strip().lower()
    if len(needle) < MIN_FILTER_LENGTH:
        return np.zeros(0, dtype=np.int64)
    hits = [i for i, box in enumerate(flat.table.boxes) if needle in box.label.lower()]
    return np.flatnonzero(np.isin(flat.table.box, hits)).astype(np.int64)
