"""The flamegraph: root, one node per thread name, then frames outermost first."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import LabeledFrame, root_frame, thread_frame
from devfiler.analysis.profile import Profile
from devfiler.analysis.results import FlameGraph, FlameGraphTable, Selection
from devfiler.analysis.stacks import with_threads
from devfiler.analysis.tree import build_table
from devfiler.model import SampleKind

_ROOT_LABELS = {
    frozenset({SampleKind.ON_CPU}): "100% of all CPU cycles",
    frozenset({SampleKind.OFF_CPU}): "100% of all off-CPU time",
    frozenset({SampleKind.UPROBE}): "100% of all uprobe events",
}


def root_label(selection: Selection) -> str:
    return _ROOT_LABELS.get(selection.kinds, "100% of all samples")


def thread_paths(
    profile: Profile,
) -> tuple[tuple[LabeledFrame, ...], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """One path per distinct (trace, thread), in `pair_*` order: (frames, codes, offsets)."""
    return with_threads(
        profile.stacks,
        profile.pair_trace,
        profile.pair_thread,
        [thread_frame(name) for name in profile.thread_names],
    )


def flamegraph_table(profile: Profile, min_share: float = 0.0) -> FlameGraphTable:
    """The flamegraph as arrays: what views drawing every node should ask for.

    Nodes weighing less than `min_share` of the root are left out (see
    FlameTable.omitted); 0 keeps the complete tree.
    """
    frames, codes, offsets = thread_paths(profile)
    tree = build_table(
        frames,
        codes,
        offsets,
        [profile.pair_weight],
        root_frame(root_label(profile.selection)),
        math.ceil(min_share * profile.total),
    )
    return FlameGraphTable(profile.unit, profile.start_ns, profile.end_ns, tree)


def flamegraph(profile: Profile) -> FlameGraph:
    return flamegraph_table(profile).graph()
