"""Differential flamegraph: a selection against a baseline (another range or filter).

Both sides are loaded as profiles; their boxes are merged by frame key, so
equal paths share one node carrying both weights.
"""

from __future__ import annotations

import numpy as np

from devfiler.analysis.flamegraph import root_label, thread_paths
from devfiler.analysis.labels import LabeledFrame, root_frame
from devfiler.analysis.profile import Profile
from devfiler.analysis.results import FlameGraph, FlameGraphTable
from devfiler.analysis.tree import Paths, build_paths_table


def diff_flamegraph(now: Profile, before: Profile) -> FlameGraph:
    """Node weights are the selection's, `base_weight` the baseline's (same unit required)."""
    return diff_flamegraph_table(now, before).graph()


def diff_flamegraph_table(now: Profile, before: Profile) -> FlameGraphTable:
    """`diff_flamegraph` as arrays, for views that draw every node."""
    if now.unit is not before.unit:
        raise ValueError("a differential flamegraph compares selections of the same unit")
    boxes: dict[str, int] = {}
    frames: list[LabeledFrame] = []
    sides = []
    end = 0
    for side in (now, before):
        side_frames, paths = thread_paths(side)
        remap = np.empty(len(side_frames), dtype=np.int64)
        for code, box in enumerate(side_frames):
            number = boxes.get(box.key)
            if number is None:
                number = boxes[box.key] = len(frames)
                frames.append(box)
            remap[code] = number
        heads = remap[paths.heads] if paths.heads is not None else None
        sides.append(Paths(remap[paths.codes], paths.starts + end, paths.lengths, heads))
        end += len(paths.codes)
    zeros = [np.zeros(len(side.pair_weight), dtype=np.int64) for side in (before, now)]
    weights = [
        np.concatenate([now.pair_weight, zeros[0]]),
        np.concatenate([zeros[1], before.pair_weight]),
    ]
    table = build_paths_table(
        frames,
        Paths(
            np.concatenate([paths.codes for paths in sides]),
            np.concatenate([paths.starts for paths in sides]),
            np.concatenate([paths.lengths for paths in sides]),
            np.concatenate([paths.heads for paths in sides if paths.heads is not None]),
        ),
        weights,
        root_frame(root_label(now.selection)),
    )
    return FlameGraphTable(
        now.unit, now.start_ns, now.end_ns, table, before.start_ns, before.end_ns
    )
