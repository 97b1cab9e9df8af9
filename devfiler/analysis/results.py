"""Plain result values of the analysis layer: what the GUI draws and the CLI prints.

No Dear PyGui here: tabs adapt these to draw items; export/json_doc.py
turns them into the command line's JSON contract (README, "Headless queries").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import LabeledFrame
from devfiler.analysis.shape_options import PLAIN, StackShape
from devfiler.gc_paused import paused_gc
from devfiler.model import FileId, FrameKind, SampleKind

UNBOUNDED_START = -(1 << 63)
UNBOUNDED_END = (1 << 63) - 1
ALL_SAMPLE_KINDS = frozenset(SampleKind)
FILTER_FIELDS = ("thread", "pid", "exe", "container", "service")
"""Context fields a selection can filter on (include or exclude)."""


class Unit(Enum):
    SAMPLES = "samples"
    NANOSECONDS = "nanoseconds"


@dataclass(frozen=True, slots=True)
class Selection:
    """Which events a result covers: time range [start, end), kinds, filters.

    Filters are (field, value) with field one of FILTER_FIELDS; values of one
    field in `include` are alternatives, different fields must all match;
    any match in `exclude` drops the event. Equal selections give equal
    results, so a Selection is the cache key of background work. The range
    ends may be UNBOUNDED_START / UNBOUNDED_END: results then report the range
    the selected data actually spans. `shape` reshapes the stacks before any
    view (analysis/shape.py): ignore list, merged recursion, focus.
    """

    start_ns: int = UNBOUNDED_START
    end_ns: int = UNBOUNDED_END
    kinds: frozenset[SampleKind] = ALL_SAMPLE_KINDS
    include: tuple[tuple[str, str], ...] = ()
    exclude: tuple[tuple[str, str], ...] = ()
    inline: bool = True
    shape: StackShape = PLAIN

    def __post_init__(self) -> None:
        for name, _ in self.include + self.exclude:
            if name not in FILTER_FIELDS:
                raise ValueError(f"unknown filter {name!r} (one of: {', '.join(FILTER_FIELDS)})")
        if not self.kinds:
            raise ValueError("a selection needs at least one sample kind")

    @property
    def unit(self) -> Unit:
        """Off-CPU alone is weighed in nanoseconds; any mix of kinds counts events."""
        if self.kinds == {SampleKind.OFF_CPU}:
            return Unit.NANOSECONDS
        return Unit.SAMPLES


@dataclass(frozen=True, slots=True)
class FlameNode:
    """One box of a flamegraph: a frame under its parent path.

    `weight` includes the children, `self_weight` does not. `kind` is None
    for the root and thread nodes. `file_id` / `address` are there for the
    developer-mode tooltip (None for nodes that are no stack frame).
    """

    label: str
    kind: FrameKind | None
    weight: int
    self_weight: int
    children: tuple[FlameNode, ...] = ()
    frame_key: str = ""
    """Stable identity of the frame (and inline position); sorts ties."""
    function: str = ""
    file_id: FileId | None = None
    address: int | None = None
    inline: bool = False
    base_weight: int | None = None
    """Differential flamegraphs: the node's weight in the baseline."""
    change: float | None = None
    """Differential flamegraphs: (share now - share before) / (sum of both), -1 gone .. +1 new."""
    file: str = ""
    """Source file of `function` when known."""
    kind_name: str = ""
    """The agent's name of the frame type (kept for kinds this version does not know)."""
    error: bool = False
    """Abort and unwinding-error frames (drawn red)."""


@dataclass(frozen=True, slots=True)
class FlameGraph:
    """A flamegraph, or a differential one when `base_start_ns` is set."""

    unit: Unit
    start_ns: int
    end_ns: int
    root: FlameNode
    base_start_ns: int | None = None
    base_end_ns: int | None = None


_TREE_SLICE = 1 << 16
"""Nodes whose columns `FlameTable.tree` turns into Python lists at once."""


@dataclass(frozen=True, slots=True)
class FlameTable:
    """A flame tree as parallel arrays, one entry per node, in depth-first order.

    Node 0 is the root. Each node is followed by its subtree, which ends
    before `end[i]`; its children are the nodes whose `parent` is i, in
    display order (heaviest first). `boxes[box[i]]` is what node i shows.
    A tree of FlameNode objects costs about two microseconds a node to make,
    which is most of a large flamegraph's time: views that draw every node
    read these arrays instead, and `tree()` makes the objects when wanted.
    Differential trees add the baseline weight and the normalized change.
    """

    boxes: tuple[LabeledFrame, ...]
    box: npt.NDArray[np.int64]
    parent: npt.NDArray[np.int64]
    depth: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]
    weight: npt.NDArray[np.int64]
    self_weight: npt.NDArray[np.int64]
    base_weight: npt.NDArray[np.int64] | None = None
    change: npt.NDArray[np.float64] | None = None
    omitted: npt.NDArray[np.int64] | None = None
    """Trees without their small nodes: per node, the weight of its left-out children."""

    def __len__(self) -> int:
        return len(self.box)

    def node(self, index: int, children: tuple[FlameNode, ...] = ()) -> FlameNode:
        """Node `index` as a FlameNode with the given children (none by default)."""
        box = self.boxes[int(self.box[index])]
        return FlameNode(
            label=box.label,
            kind=box.kind,
            weight=int(self.weight[index]),
            self_weight=int(self.self_weight[index]),
            children=children,
            frame_key=box.key,
            function=box.function if box.kind is not None else "",
            file_id=box.file_id,
            address=box.address,
            inline=box.inline,
            base_weight=int(self.base_weight[index]) if self.base_weight is not None else None,
            change=float(self.change[index]) if self.change is not None else None,
            file=box.file,
            kind_name=box.kind_name,
            error=box.error,
        )

    def pruned(self, keep: npt.NDArray[np.bool_]) -> FlameTable:
        """The root and the nodes `keep` picks; `omitted` adds what each kept node lost.

        `keep` must hold for a node's parent whenever it holds for the node
        (a weight threshold does: a child weighs no more than its parent), so
        the kept nodes stay a depth-first tree.
        """
        keep = keep.copy()
        keep[0] = True
        if bool(keep.all()):
            return self
        kept = np.flatnonzero(keep)
        before = np.zeros(len(keep) + 1, dtype=np.int64)
        np.cumsum(keep, out=before[1:])
        parent = self.parent[kept]
        dropped = np.flatnonzero(~keep)
        dropped_parent = self.parent[dropped]
        lost = np.bincount(
            dropped_parent[keep[dropped_parent]],
            weights=self.weight[dropped][keep[dropped_parent]],
            minlength=len(keep),
        )
        if self.omitted is not None:
            lost += self.omitted
        return FlameTable(
            boxes=self.boxes,
            box=self.box[kept],
            parent=np.where(parent >= 0, before[np.maximum(parent, 0)], -1),
            depth=self.depth[kept],
            end=before[self.end[kept]],
            weight=self.weight[kept],
            self_weight=self.self_weight[kept],
            base_weight=self.base_weight[kept] if self.base_weight is not None else None,
            change=self.change[kept] if self.change is not None else None,
            omitted=np.rint(lost[kept]).astype(np.int64),
        )

    def child(self, index: int, key: str) -> int | None:
        """The child of node `index` whose box has this key, if any."""
        below = self.parent[index + 1 : int(self.end[index])]
        for child in (np.flatnonzero(below == index) + index + 1).tolist():
            if self.boxes[int(self.box[child])].key == key:
                return child
        return None

    def find(self, keys: Sequence[str]) -> int | None:
        """The node reached from the root through children with these box keys, if any."""
        index: int | None = 0
        for key in keys:
            if index is None:
                return None
            index = self.child(index, key)
        return index

    def path_keys(self, index: int) -> tuple[str, ...]:
        """Box keys from a child of the root down to node `index` (`find` goes back)."""
        keys = []
        while index > 0:
            keys.append(self.boxes[int(self.box[index])].key)
            index = int(self.parent[index])
        return tuple(reversed(keys))

    def spliced(self, at: int, subtree: FlameTable) -> FlameTable:
        """This tree with node `at`'s subtree replaced by `subtree`, whose root is that node.

        `subtree` holds the same boxes (its root's box aside) and covers the
        same paths, cut at another weight: a view zoomed into `at` shows
        nodes that are too small for the whole tree.
        """
        if self.base_weight is not None or subtree.base_weight is not None:
            raise ValueError("differential trees are not spliced")
        lo, hi = at, int(self.end[at])
        shift = len(subtree) - (hi - lo)

        def joined(
            mine: npt.NDArray[np.int64], theirs: npt.NDArray[np.int64]
        ) -> npt.NDArray[np.int64]:
            return np.concatenate([mine[:lo], theirs, mine[hi:]])

        box = subtree.box.copy()
        box[0] = self.box[at]
        parent = subtree.parent + lo
        parent[0] = self.parent[at]
        moved = self.parent.copy()
        moved[moved >= hi] += shift
        end = self.end.copy()
        end[end >= hi] += shift
        mine_omitted = self.omitted if self.omitted is not None else np.zeros(len(self), np.int64)
        theirs = (
            subtree.omitted if subtree.omitted is not None else np.zeros(len(subtree), np.int64)
        )
        return FlameTable(
            boxes=self.boxes,
            box=joined(self.box, box),
            parent=joined(moved, parent),
            depth=joined(self.depth, subtree.depth + self.depth[at]),
            end=joined(end, subtree.end + lo),
            weight=joined(self.weight, subtree.weight),
            self_weight=joined(self.self_weight, subtree.self_weight),
            omitted=joined(mine_omitted, theirs),
        )

    def tree(self) -> FlameNode:
        """The whole tree as FlameNodes.

        Nodes are made in reverse depth-first order, so a node's children
        are the last ones made, on top of a stack. Columns become Python
        lists a slice at a time (whole, they would take as much memory as
        the tree). The cyclic garbage collector is paused meanwhile: the
        tree holds no cycles, and its passes over hundreds of thousands of
        new objects took a third of the time.
        """
        n = len(self.box)
        if not n:
            raise ValueError("a flame table has at least its root")
        functions = [b.function if b.kind is not None else "" for b in self.boxes]
        child_count = np.bincount(self.parent[1:], minlength=n)
        made: list[FlameNode] = []
        with paused_gc():
            for low in range((n - 1) // _TREE_SLICE * _TREE_SLICE, -1, -_TREE_SLICE):
                part = slice(low, min(low + _TREE_SLICE, n))
                counts = child_count[part].tolist()
                codes = self.box[part].tolist()
                weights = self.weight[part].tolist()
                own = self.self_weight[part].tolist()
                size = len(codes)
                bases = self.base_weight[part].tolist() if self.base_weight is not None else None
                changes = self.change[part].tolist() if self.change is not None else None
                for i in range(size - 1, -1, -1):
                    count = counts[i]
                    children: tuple[FlameNode, ...] = ()
                    if count:
                        children = tuple(reversed(made[-count:]))
                        del made[-count:]
                    code = codes[i]
                    b = self.boxes[code]
                    made.append(
                        FlameNode(  # positional: a third faster than keywords
                            b.label,
                            b.kind,
                            weights[i],
                            own[i],
                            children,
                            b.key,
                            functions[code],
                            b.file_id,
                            b.address,
                            b.inline,
                            bases[i] if bases is not None else None,
                            changes[i] if changes is not None else None,
                            b.file,
                            b.kind_name,
                            b.error,
                        )
                    )
        return made[0]


@dataclass(frozen=True, slots=True)
class FlameGraphTable:
    """A flamegraph with its tree as a FlameTable; `graph()` gives the FlameGraph."""

    unit: Unit
    start_ns: int
    end_ns: int
    table: FlameTable
    base_start_ns: int | None = None
    base_end_ns: int | None = None

    def graph(self) -> FlameGraph:
        return FlameGraph(
            self.unit,
            self.start_ns,
            self.end_ns,
            self.table.tree(),
            self.base_start_ns,
            self.base_end_ns,
        )


@dataclass(frozen=True, slots=True)
class Sandwich:
    """One function with its callers (growing upward) and its callees (downward).

    Both trees have the function as their root, merged over every place it
    occurs; in `callers` a node's children are its callers.
    """

    unit: Unit
    start_ns: int
    end_ns: int
    function: str
    callers: FlameNode
    callees: FlameNode


@dataclass(frozen=True, slots=True)
class Timeline:
    unit: Unit
    start_ns: int
    end_ns: int
    step_ns: int
    buckets: tuple[tuple[int, int], ...]
    """(bucket start ns, weight) for every bucket, empty ones included."""


HEAT_BINS = 256


@dataclass(frozen=True, slots=True)
class TopFunction:
    function: str
    file: str
    kind: FrameKind
    self_weight: int
    total_weight: int
    self_pct: float
    total_pct: float
    heat_self: tuple[float, ...] = ()
    """HEAT_BINS values 0..1: when in the range the function was the leaf."""
    heat_total: tuple[float, ...] = ()
    """HEAT_BINS values 0..1: when in the range the function was on the stack.

    Both strips are scaled by the maximum of `heat_total`, so self never
    exceeds total.
    """
    kind_name: str = ""


class TopOrder(Enum):
    SELF = "self"
    TOTAL = "total"


@dataclass(frozen=True, slots=True)
class TopFunctions:
    unit: Unit
    start_ns: int
    end_ns: int
    total: int
    """Weight of every selected event: the 100% of the percentages."""
    functions_total: int
    """Functions matching the filter, before truncation to `items`."""
    items: tuple[TopFunction, ...] = field(default=())


@dataclass(frozen=True, slots=True, eq=False)
class FlameScope:
    """Weight per non-empty (second, 10 ms row) cell, as three parallel arrays sorted by cell.

    An hour of a busy host fills hundreds of thousands of cells: one tuple per
    cell cost more than reading the events, so the cells stay columns until
    a printer asks for rows.
    """

    unit: Unit
    start_ns: int
    end_ns: int
    second_ns: npt.NDArray[np.int64]
    """Start of each cell's second."""
    row: npt.NDArray[np.int64]
    """10 ms row within the second, 0..99."""
    weight: npt.NDArray[np.int64]
    column_ns: int = 1_000_000_000
    """Time each column sums: one second, or several on long ranges (`second_ns` is then
    the column's first second, counted from the range's first second)."""

    def __len__(self) -> int:
        return len(self.weight)

    def cells(self) -> list[list[int]]:
        """[second start ns, row, weight] per cell: the JSON contract's rows."""
        with paused_gc():
            return np.column_stack([self.second_ns, self.row, self.weight]).tolist()  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class TraceStats:
    """How well events deduplicate into traces and traces into frames (developer mode)."""

    unit: Unit
    start_ns: int
    end_ns: int
    events: int
    unique_traces: int
    unique_traces_without_leaf: int
    frames: int
    """Frames summed over the unique traces."""
    unique_frames: int
    count_histogram: tuple[tuple[int, int], ...]
    """(events of a trace, number of traces with that many events), ascending."""
    count_histogram_without_leaf: tuple[tuple[int, int], ...]

    @property
    def events_per_trace(self) -> float:
        return self.events / self.unique_traces if self.unique_traces else 0.0

    @property
    def events_per_trace_without_leaf(self) -> float:
        n = self.unique_traces_without_leaf
        return self.events / n if n else 0.0

    @property
    def frames_per_unique_frame(self) -> float:
        return self.frames / self.unique_frames if self.unique_frames else 0.0


@dataclass(frozen=True, slots=True)
class StoreStats:
    """What the store holds, from block headers and table sizes (no event decoding)."""

    events: dict[SampleKind, int]
    weight: dict[SampleKind, int]
    traces: int
    frames: int
    executables: int
    first_ts: int | None
    last_ts: int | None


@dataclass(frozen=True, slots=True)
class CollapsedStacks:
    """`thread;outermost;...;leaf` lines with their weight, heaviest first."""

    unit: Unit
    start_ns: int
    end_ns: int
    lines: tuple[tuple[str, int], ...]
