"""Plain result values of the analysis layer: what the GUI draws and the CLI prints.

No Dear PyGui here: tabs adapt these to draw items; `to_json` gives the
command line's JSON contract (see README, "Headless queries").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from devfiler.model import FileId, FrameKind, SampleKind


class Unit(Enum):
    SAMPLES = "samples"
    NANOSECONDS = "nanoseconds"


@dataclass(frozen=True, slots=True)
class Selection:
    """Which events a result covers: time range [start, end), kinds, filters.

    Filters are (field, value) with field one of thread, pid, exe, container,
    service; `exclude` holds the negated ones. Equal selections give equal
    results, so a Selection is the cache key of background work.
    """

    start_ns: int
    end_ns: int
    kinds: frozenset[SampleKind] = frozenset(
        {SampleKind.ON_CPU, SampleKind.OFF_CPU, SampleKind.UPROBE, SampleKind.UNKNOWN}
    )
    include: tuple[tuple[str, str], ...] = ()
    exclude: tuple[tuple[str, str], ...] = ()
    inline: bool = True


@dataclass(frozen=True, slots=True)
class FlameNode:
    """One box of a flamegraph: a frame under its parent path.

    `weight` includes the children, `self_weight` does not. `frame_id` is
    None for the root and thread nodes. `file_id` / `address` are there for
    the developer-mode tooltip.
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
    """Differential flamegraphs: normalized change, -1 (gone) .. +inf (new)."""


@dataclass(frozen=True, slots=True)
class FlameGraph:
    unit: Unit
    start_ns: int
    end_ns: int
    root: FlameNode


@dataclass(frozen=True, slots=True)
class Timeline:
    unit: Unit
    start_ns: int
    end_ns: int
    step_ns: int
    buckets: tuple[tuple[int, int], ...]
    """(bucket start ns, weight) for every bucket, empty ones included."""


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
    """256 values 0..1: when in the range the function was the leaf."""
    heat_total: tuple[float, ...] = ()
    """256 values 0..1: when in the range the function was on the stack."""


@dataclass(frozen=True, slots=True)
class TopFunctions:
    unit: Unit
    start_ns: int
    end_ns: int
    total: int
    functions_total: int
    items: tuple[TopFunction, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class FlameScope:
    unit: Unit
    start_ns: int
    end_ns: int
    cells: tuple[tuple[int, int, int], ...]
    """(second start ns, 10 ms bucket 0..99, weight) for non-empty cells."""
