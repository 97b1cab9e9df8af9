"""The flamegraph: root, one node per thread name, then frames outermost first."""

from __future__ import annotations

import math
from dataclasses import dataclass

from devfiler.analysis.labels import LabeledFrame, root_frame, thread_frame
from devfiler.analysis.profile import Profile
from devfiler.analysis.results import FlameGraph, FlameGraphTable, FlameTable, Selection
from devfiler.analysis.tree import Paths, build_paths_table, zoomed_table
from devfiler.model import SampleKind

_ROOT_LABELS = {
    frozenset({SampleKind.ON_CPU}): "100% of all CPU cycles",
    frozenset({SampleKind.OFF_CPU}): "100% of all off-CPU time",
    frozenset({SampleKind.UPROBE}): "100% of all uprobe events",
}


def root_label(selection: Selection) -> str:
    return _ROOT_LABELS.get(selection.kinds, "100% of all samples")


def thread_paths(profile: Profile) -> tuple[tuple[LabeledFrame, ...], Paths]:
    """`thread; outermost; ...; leaf` for every distinct (trace, thread), in `pair_*` order.

    The thread boxes come after the stack table's frames.
    """
    stacks = profile.stacks
    frames = stacks.frames + tuple(thread_frame(name) for name in profile.thread_names)
    paths = Paths(
        stacks.codes,
        stacks.offsets[profile.pair_trace],
        stacks.lengths[profile.pair_trace],
        len(stacks.frames) + profile.pair_thread,
    )
    return frames, paths


@dataclass(frozen=True, slots=True)
class Zoom:
    """A node shown in more detail: its subtree keeps nodes down to `min_share` of the root.

    `keys` are the box keys from a thread node down to it. A window zoomed
    into a node draws the nodes under it wider than the rest of the tree.
    """

    keys: tuple[str, ...]
    min_share: float


def flamegraph_table(
    profile: Profile, min_share: float = 0.0, zoom: Zoom | None = None
) -> FlameGraphTable:
    """The flamegraph as arrays: what views drawing every node should ask for.

    Nodes weighing less than `min_share` of the root are left out (see
    FlameTable.omitted); 0 keeps the complete tree. Under `zoom`'s node its
    own share applies.
    """
    frames, paths = thread_paths(profile)
    tree = build_paths_table(
        frames,
        paths,
        [profile.pair_weight],
        root_frame(root_label(profile.selection)),
        math.ceil(min_share * profile.total),
    )
    return zoomed_graph(profile, tree, zoom)


def zoomed_graph(profile: Profile, tree: FlameTable, zoom: Zoom | None) -> FlameGraphTable:
    """The profile's cut tree `tree`, with `zoom`'s node kept down to its own share."""
    if zoom is not None:
        frames, paths = thread_paths(profile)
        tree = zoomed_table(
            tree,
            frames,
            paths,
            profile.pair_weight,
            zoom.keys,
            math.ceil(zoom.min_share * profile.total),
        )
    return FlameGraphTable(profile.unit, profile.start_ns, profile.end_ns, tree)


def flamegraph(profile: Profile) -> FlameGraph:
    return flamegraph_table(profile).graph()
