"""Build a flame tree from weighted paths, level by level with numpy.

Paths are runs of box codes (see analysis/stacks.py). Each level merges equal
(parent node, code) pairs with `numpy.unique` and sums their weights with
`bincount`, so Python objects are made once per tree node, not per path
element. Several weight columns give differential trees (current, base).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import LabeledFrame
from devfiler.analysis.results import FlameNode

_PLACEHOLDER = FlameNode("", None, 0, 0)


def aggregate_pairs(
    first: npt.NDArray[np.integer], second: npt.NDArray[np.integer], weights: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Sum weights per distinct (first, second) pair: (firsts, seconds, sums)."""
    if not len(first):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    span = int(second.max()) + 1
    combined = first.astype(np.int64) * span + second.astype(np.int64)
    unique, inverse = np.unique(combined, return_inverse=True)
    sums = np.bincount(inverse.reshape(-1), weights=weights, minlength=len(unique))
    return unique // span, unique % span, np.rint(sums).astype(np.int64)


def change(weight: int, base: int, total: int, base_total: int) -> float:
    """Normalized change of a node's share between base and now: -1 gone, 0 same, +1 new."""
    share = weight / total if total else 0.0
    base_share = base / base_total if base_total else 0.0
    if share + base_share == 0:
        return 0.0
    return (share - base_share) / (share + base_share)


def build_tree(
    frames: Sequence[LabeledFrame],
    codes: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    weights: Sequence[npt.NDArray[np.int64]],
    root: LabeledFrame,
) -> FlameNode:
    """Merge the paths into a tree under `root`.

    `weights[0]` is the weight of each path; a second column makes the
    tree differential (`weights[1]` is the baseline). Children are sorted
    heaviest first, then by base weight, then by frame key.
    """
    n_codes = max(len(frames), 1)
    lengths = np.diff(offsets)
    columns = len(weights)
    path_weights = [np.asarray(w, dtype=np.float64) for w in weights]
    position = np.zeros(len(lengths), dtype=np.int64)
    node_parent: list[npt.NDArray[np.int64]] = [np.array([-1], dtype=np.int64)]
    node_code: list[npt.NDArray[np.int64]] = [np.array([-1], dtype=np.int64)]
    node_weight = [[np.array([w.sum()])] for w in path_weights]
    next_id = 1
    max_depth = int(lengths.max()) if len(lengths) else 0
    for depth in range(max_depth):
        active = np.flatnonzero(lengths > depth)
        key = position[active] * n_codes + codes[offsets[active] + depth]
        unique, inverse = np.unique(key, return_inverse=True)
        inverse = inverse.reshape(-1)
        node_parent.append(unique // n_codes)
        node_code.append(unique % n_codes)
        for column in range(columns):
            node_weight[column].append(
                np.bincount(inverse, weights=path_weights[column][active], minlength=len(unique))
            )
        position[active] = next_id + inverse
        next_id += len(unique)
    parent = np.concatenate(node_parent)
    code = np.concatenate(node_code)
    total = [np.rint(np.concatenate(parts)).astype(np.int64) for parts in node_weight]
    own = [
        np.rint(np.bincount(position, weights=w, minlength=next_id)).astype(np.int64)
        for w in path_weights
    ]
    return _assemble(frames, root, parent, code, total, own)


def _assemble(
    frames: Sequence[LabeledFrame],
    root: LabeledFrame,
    parent: npt.NDArray[np.int64],
    code: npt.NDArray[np.int64],
    total: list[npt.NDArray[np.int64]],
    own: list[npt.NDArray[np.int64]],
) -> FlameNode:
    """Make FlameNodes deepest first (ids grow with depth), children in display order."""
    n = len(parent)
    order_keys = sorted(range(len(frames)), key=lambda c: frames[c].key)
    rank = np.zeros(len(frames) + 1, dtype=np.int64)
    rank[np.array(order_keys, dtype=np.int64)] = np.arange(len(order_keys))
    order = np.lexsort([rank[code], *(-w for w in reversed(total)), parent])
    order = order[parent[order] >= 0]
    first_child = np.searchsorted(parent[order], np.arange(n), side="left").tolist()
    end_child = np.searchsorted(parent[order], np.arange(n), side="right").tolist()
    order_list = order.tolist()
    code_list = code.tolist()
    weight_list = total[0].tolist()
    self_list = own[0].tolist()
    diff = len(total) > 1
    base_list = total[1].tolist() if diff else []
    grand, base_grand = (weight_list[0], base_list[0]) if diff else (0, 0)
    built = [_PLACEHOLDER] * n
    for node in range(n - 1, -1, -1):
        kids = tuple(built[child] for child in order_list[first_child[node] : end_child[node]])
        box = root if node == 0 else frames[code_list[node]]
        built[node] = FlameNode(
            label=box.label,
            kind=box.kind,
            weight=weight_list[node],
            self_weight=self_list[node],
            children=kids,
            frame_key=box.key,
            function=box.function if box.kind is not None else "",
            file_id=box.file_id,
            address=box.address,
            inline=box.inline,
            base_weight=base_list[node] if diff else None,
            change=change(weight_list[node], base_list[node], grand, base_grand) if diff else None,
            file=box.file,
            kind_name=box.kind_name,
            error=box.error,
        )
    return built[0]
