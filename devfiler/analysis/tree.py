"""Build a flame tree from weighted paths, level by level with numpy.

Paths are runs of box codes (see analysis/stacks.py), read where the stack
table keeps them. Each level sorts the paths still going down by (parent
node, code), merges equal neighbours and sums their weights; the paths stay
sorted by node, so the next level's sort is nearly done already. The nodes
are then put in depth-first display order with numpy too, giving a
FlameTable (arrays, no object per node) that can be turned into FlameNodes.
Several weight columns give differential trees (current, base).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import LabeledFrame
from devfiler.analysis.results import FlameNode, FlameTable


def aggregate_pairs(
    first: npt.NDArray[np.integer], second: npt.NDArray[np.integer], weights: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Sum weights per distinct (first, second) pair: (firsts, seconds, sums), sorted by pair.

    Values are non-negative. Sorting every pair with its weight is what
    costs, so it is avoided where it can be: a small space of pairs is summed
    in one table, weights that are all 1 (counted samples) need only the
    pairs sorted, and otherwise the pairs of `first` values that come with a
    single `second` value (a trace seen on one thread) are summed per
    `first`; only the remaining pairs are sorted with their weights.
    """
    if not len(first):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    first = first.astype(np.int64, copy=False)
    second = second.astype(np.int64, copy=False)
    span = int(second.max()) + 1
    n_first = int(first.max()) + 1
    dense = 4 * len(first) + (1 << 16)
    sums: npt.NDArray[Any]
    if n_first * span <= dense:
        combined = first * span + second
        keys = np.flatnonzero(np.bincount(combined, minlength=n_first * span))
        sums = np.bincount(combined, weights=weights, minlength=n_first * span)[keys]
    elif bool((weights == 1).all()):
        # Counting needs no order of the weights: sorting the keys alone is several times faster.
        ordered = np.sort(first * span + second)
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        keys, sums = ordered[starts], np.diff(np.r_[starts, len(ordered)])
    elif n_first > dense:
        keys, sums = _sorted_sums(first * span + second, weights)
    else:
        low = np.full(n_first, span, dtype=np.int64)
        np.minimum.at(low, first, second)
        high = np.full(n_first, -1, dtype=np.int64)
        np.maximum.at(high, first, second)
        alone = low == high
        by_first = alone[first]
        single = np.flatnonzero(alone)
        single_sums = np.bincount(first[by_first], weights=weights[by_first], minlength=n_first)
        mixed = ~by_first
        mixed_keys, mixed_sums = _sorted_sums(first[mixed] * span + second[mixed], weights[mixed])
        keys = np.concatenate([single * span + low[single], mixed_keys])
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        sums = np.concatenate([single_sums[single], mixed_sums])[order]
    return keys // span, keys % span, np.rint(sums).astype(np.int64)


def _sorted_sums(
    keys: npt.NDArray[np.int64], weights: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any]]:
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, np.bincount(inverse.reshape(-1), weights=weights, minlength=len(unique))


def changes(weight: npt.NDArray[np.int64], base: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Normalized change of each node's share between base and now: -1 gone, 0 same, +1 new.

    Shares are of the root (node 0) on each side.
    """
    total, base_total = int(weight[0]), int(base[0])
    share = weight / total if total else np.zeros(len(weight))
    base_share = base / base_total if base_total else np.zeros(len(base))
    both = share + base_share
    result = np.zeros(len(weight))
    np.divide(share - base_share, both, out=result, where=both != 0)
    return result


@dataclass(frozen=True, slots=True)
class Paths:
    """Weighted paths as runs of box codes, without copying shared runs.

    Path i is `heads[i]` (when there are heads) followed by
    `codes[starts[i] : starts[i] + lengths[i]]`: a flamegraph's paths are a
    thread box over a stored trace, and many (trace, thread) pairs share one
    trace, so the runs stay where the stack table has them.
    """

    codes: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int64]
    lengths: npt.NDArray[np.int64]
    heads: npt.NDArray[np.int64] | None = None

    @classmethod
    def cut(cls, codes: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64]) -> Paths:
        """Consecutive paths: codes[offsets[i] : offsets[i + 1]]."""
        return cls(codes, offsets[:-1], np.diff(offsets))

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def depths(self) -> npt.NDArray[np.int64]:
        """Boxes on every path."""
        return self.lengths + 1 if self.heads is not None else self.lengths

    def codes_at(self, paths: npt.NDArray[np.int64], depth: int) -> npt.NDArray[np.int64]:
        """Box `depth` (0: outermost) of each of `paths`, all at least that deep."""
        if self.heads is None:
            return self.codes[self.starts[paths] + depth]
        if depth == 0:
            return self.heads[paths]
        return self.codes[self.starts[paths] + depth - 1]

    def columns(
        self,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The runs' codes depth by depth: (codes, start of each depth, rank of each path's run).

        Box d of the run of rank r is `codes[starts[d] + r]`. Runs are ranked
        longest first, so each depth is one short column: a level-wise merge
        reading a column picks among tens of thousands of codes, not among
        the millions of the whole table.
        """
        # A run is a distinct (start, length): paths sharing a trace share one.
        span = int(self.lengths.max()) + 1 if len(self.lengths) else 1
        distinct, run_of = np.unique(self.starts * span + self.lengths, return_inverse=True)
        runs, run_length = distinct // span, distinct % span
        by_length = np.argsort(-run_length, kind="stable")
        rank = np.empty(len(runs), dtype=np.int64)
        rank[by_length] = np.arange(len(runs), dtype=np.int64)
        lengths = run_length[by_length]
        deepest = int(lengths[0]) if len(lengths) else 0
        starts = np.zeros(deepest + 1, dtype=np.int64)
        np.cumsum(
            np.searchsorted(-lengths, -np.arange(deepest, dtype=np.int64), side="left"),
            out=starts[1:],
        )
        # Column by column: an index array per box of the whole table would be several
        # times the size of the table itself.
        run_starts = runs[by_length]
        codes = np.empty(int(starts[-1]), dtype=np.int64)
        for depth, (lo, hi) in enumerate(itertools.pairwise(starts.tolist())):
            np.take(self.codes, run_starts[: hi - lo] + depth, out=codes[lo:hi])
        return codes, starts, rank[run_of.reshape(-1)]

    def starting_with(self, prefix: Sequence[int]) -> npt.NDArray[np.int64]:
        """The paths whose first boxes are `prefix`."""
        chosen = np.flatnonzero(self.depths >= len(prefix))
        for depth, code in enumerate(prefix):
            chosen = chosen[self.codes_at(chosen, depth) == code]
        return chosen

    def after(self, chosen: npt.NDArray[np.int64], skip: int) -> Paths:
        """The `chosen` paths without their first `skip` boxes (each has that many)."""
        if not skip:
            heads = self.heads[chosen] if self.heads is not None else None
            return Paths(self.codes, self.starts[chosen], self.lengths[chosen], heads)
        within = skip - 1 if self.heads is not None else skip
        return Paths(self.codes, self.starts[chosen] + within, self.lengths[chosen] - within)


def build_tree(
    frames: Sequence[LabeledFrame],
    codes: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    weights: Sequence[npt.NDArray[np.int64]],
    root: LabeledFrame,
) -> FlameNode:
    """`build_table` as FlameNodes."""
    return build_table(frames, codes, offsets, weights, root).tree()


def build_table(
    frames: Sequence[LabeledFrame],
    codes: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    weights: Sequence[npt.NDArray[np.int64]],
    root: LabeledFrame,
    min_weight: int = 0,
) -> FlameTable:
    """`build_paths_table` of consecutive paths (`codes` cut at `offsets`)."""
    return build_paths_table(frames, Paths.cut(codes, offsets), weights, root, min_weight)


def build_paths_table(
    frames: Sequence[LabeledFrame],
    paths: Paths,
    weights: Sequence[npt.NDArray[np.int64]],
    root: LabeledFrame,
    min_weight: int = 0,
) -> FlameTable:
    """Merge the paths into a tree under `root`.

    `weights[0]` is the weight of each path; a second column makes the
    tree differential (`weights[1]` is the baseline). Children are sorted
    heaviest first, then by base weight, then by frame key. Nodes lighter
    than `min_weight` are left out as soon as their level is merged, so the
    paths under them cost nothing further; their parent's `omitted` says
    how much they weighed. Each level works on the paths still going down
    only, so a cut tree costs by the nodes it keeps and the paths that
    reach them.
    """
    return levels_table(merge_levels(frames, paths, weights, min_weight), root)


@dataclass(frozen=True, slots=True)
class Levels:
    """A merged tree in level order: the root, then each level's nodes by (parent, box key).

    `code` numbers a node's box among the boxes sorted by key; per weight
    column, `weight` is each node's weight and `own` what ends there;
    `lost` is what each node's left-out children weighed (None: none were).
    """

    parent: npt.NDArray[np.int64]
    code: npt.NDArray[np.int64]
    level_start: list[int]
    weight: list[npt.NDArray[np.int64]]
    own: list[npt.NDArray[np.int64]]
    lost: npt.NDArray[np.int64] | None


def merge_levels(
    frames: Sequence[LabeledFrame],
    paths: Paths,
    weights: Sequence[npt.NDArray[np.int64]],
    min_weight: int = 0,
) -> tuple[list[LabeledFrame], Levels]:
    """The merging of `build_paths_table`: the boxes sorted by key and the tree by level."""
    # Codes numbered in frame key order make node numbers follow the key
    # among siblings, so ordering children needs only a sort by weight.
    by_key = sorted(range(len(frames)), key=lambda c: frames[c].key)
    key_rank = np.empty(len(frames), dtype=np.int64)
    key_rank[np.array(by_key, dtype=np.int64)] = np.arange(len(frames), dtype=np.int64)
    frames = [frames[c] for c in by_key]
    n_codes = max(len(frames), 1)
    path_weights = [np.asarray(w, dtype=np.int64) for w in weights]
    depths = paths.depths
    ended = depths == 0
    ended_at: list[npt.NDArray[np.int64]] = [np.zeros(int(ended.sum()), dtype=np.int64)]
    ended_weight = [[w[ended]] for w in path_weights]
    active = np.flatnonzero(~ended)
    active_weight = [w[active] for w in path_weights]
    by_depth, depth_start, path_rank = paths.columns()
    # A path is its run's rank from here on: runs are ranked longest first,
    # so the paths deeper than d are those whose rank is below a count.
    deeper = np.diff(depth_start)
    rank = path_rank[active]
    heads = paths.heads[active] if paths.heads is not None else None
    skip = 0 if heads is None else 1
    at = np.zeros(len(active), dtype=np.int64)
    node_parent: list[npt.NDArray[np.int64]] = [np.array([-1], dtype=np.int64)]
    node_code: list[npt.NDArray[np.int64]] = [np.array([len(frames)], dtype=np.int64)]
    node_weight = [[np.array([w.sum()])] for w in path_weights]
    lost_at: list[npt.NDArray[np.int64]] = []
    lost_weight: list[npt.NDArray[Any]] = []
    level_start = [0, 1]
    depth = 0
    while len(rank):
        parent_lo = level_start[-2]
        if heads is not None and depth == 0:
            code = heads
        else:
            code = by_depth[depth_start[depth - skip] + rank]
        key = (at - parent_lo) * n_codes + key_rank[code]
        # Paths stay sorted by their node: the keys come nearly sorted, which
        # a stable (merging) sort finishes in close to one pass.
        order = np.argsort(key, kind="stable")
        key, rank = key[order], rank[order]
        active_weight = [w[order] for w in active_weight]
        first = np.empty(len(key), dtype=bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        unique = key[starts]
        inverse = np.cumsum(first) - 1
        sums = [np.add.reduceat(w, starts) for w in active_weight]
        if min_weight > 0:
            small = sums[0] < min_weight
            if bool(small.any()):
                lost_at.append(parent_lo + unique[small] // n_codes)
                lost_weight.append(sums[0][small])
                keep_path = ~small[inverse]
                rank = rank[keep_path]
                inverse = (np.cumsum(~small) - 1)[inverse[keep_path]]
                active_weight = [w[keep_path] for w in active_weight]
                unique = unique[~small]
                sums = [column[~small] for column in sums]
        if not len(unique):
            break
        node_parent.append(parent_lo + unique // n_codes)
        node_code.append(unique % n_codes)
        for column, level_sums in enumerate(sums):
            node_weight[column].append(level_sums)
        at = level_start[-1] + inverse
        level_start.append(level_start[-1] + len(unique))
        depth += 1
        going = rank < (deeper[depth - skip] if depth - skip < len(deeper) else 0)
        if not bool(going.all()):
            ending = ~going
            ended_at.append(at[ending])
            for column, w in enumerate(active_weight):
                ended_weight[column].append(w[ending])
            at, rank = at[going], rank[going]
            active_weight = [w[going] for w in active_weight]
    # A complete tree has millions of nodes: each column's level parts are
    # let go as soon as they are joined, so no two copies of a column live.
    del by_depth, depth_start, path_rank
    parent = _joined(node_parent)
    n = len(parent)
    final_at = np.concatenate(ended_at)
    lost = None
    if min_weight > 0:
        lost = _summed(
            np.concatenate([np.zeros(0, dtype=np.int64), *lost_at]),
            np.concatenate([np.zeros(0), *lost_weight]),
            n,
        )
    return frames, Levels(
        parent=parent,
        code=_joined(node_code),
        level_start=level_start,
        weight=[_joined(parts) for parts in node_weight],
        own=[_summed(final_at, np.concatenate(w), n) for w in ended_weight],
        lost=lost,
    )


def _joined(parts: list[npt.NDArray[Any]]) -> npt.NDArray[np.int64]:
    """The parts as one int64 array; the list is emptied."""
    joined = np.concatenate(parts).astype(np.int64, copy=False)
    parts.clear()
    return joined


def _summed(at: npt.NDArray[np.int64], weights: npt.NDArray[Any], n: int) -> npt.NDArray[np.int64]:
    """Weights summed per node, rounded to integers."""
    # Into integers directly: a float column of every node beside it would be tens of MB.
    sums = np.zeros(n, dtype=np.int64)
    np.add.at(sums, at, np.rint(weights).astype(np.int64))
    return sums


def levels_table(merged: tuple[Sequence[LabeledFrame], Levels], root: LabeledFrame) -> FlameTable:
    """The tree in depth-first display order, children heaviest first (then by base
    weight, then by box key); `merged` is (boxes sorted by key, the levels), as
    `merge_levels` gives them.

    Pass the pair without keeping it: a complete tree has millions of nodes,
    and each column of the levels is let go as soon as the table's column
    made from it is placed, so the two are never held whole at once.
    """
    boxes, levels = merged
    del merged
    parent, level_start, total = levels.parent, levels.level_start, levels.weight
    code, own, lost = levels.code, levels.own[0], levels.lost
    del levels
    n = len(parent)
    preorder, size = _preorder(parent, level_start, total)

    size += preorder
    end = _placed(size, preorder)
    del size
    up = preorder[parent]
    del parent
    up[0] = -1
    moved = _placed(up, preorder)
    del up
    weight = _placed(total[0], preorder)
    base = _placed(total[1], preorder) if len(total) > 1 else None
    del total
    box = _placed(code, preorder)
    del code
    self_weight = _placed(own, preorder)
    del own
    omitted = _placed(lost, preorder) if lost is not None else None
    del lost
    # Last, when every column of the levels is gone: it is the one column made from none.
    depth = np.empty(n, dtype=np.int64)
    for level, (lo, hi) in enumerate(itertools.pairwise(level_start)):
        depth[preorder[lo:hi]] = level
    del preorder
    return FlameTable(
        boxes=(*boxes, root),
        box=box,
        parent=moved,
        depth=depth,
        end=end,
        weight=weight,
        self_weight=self_weight,
        base_weight=base,
        change=changes(weight, base) if base is not None else None,
        omitted=omitted,
    )


def zoomed_table(
    table: FlameTable,
    frames: Sequence[LabeledFrame],
    paths: Paths,
    weights: npt.NDArray[np.int64],
    keys: Sequence[str],
    min_weight: int,
) -> FlameTable:
    """`table` (built from these paths) with the subtree at `keys` cut at `min_weight` instead.

    `keys` are box keys from a child of the root down. A view zoomed into a
    node needs the nodes wide enough on screen at that zoom, which are the
    small ones under that node only: the paths through it are picked and
    only they are merged again. Without such a node the table is returned.
    """
    at = table.find(keys)
    if at is None or not keys:
        return table
    below, chosen, top = zoomed_paths(frames, paths, keys)
    return table.spliced(at, build_paths_table(frames, below, [weights[chosen]], top, min_weight))


def zoomed_paths(
    frames: Sequence[LabeledFrame], paths: Paths, keys: Sequence[str]
) -> tuple[Paths, npt.NDArray[np.int64], LabeledFrame]:
    """The paths through the node at `keys` (box keys from a child of the root down, all
    among `frames`), from below it; which paths they are; and the node's box."""
    code_of = {box.key: code for code, box in enumerate(frames)}
    prefix = [code_of[key] for key in keys]
    chosen = paths.starting_with(prefix)
    return paths.after(chosen, len(prefix)), chosen, frames[prefix[-1]]


def _sibling_order(
    parent: npt.NDArray[np.int64], weights: list[npt.NDArray[np.int64]]
) -> npt.NDArray[np.int64]:
    """Nodes grouped by parent, heaviest first; equal weights keep their node order."""
    top = int(weights[0].max())
    if len(weights) == 1 and int(parent.max()) * (top + 1) + top < 1 << 63:
        key = parent * (top + 1)
        key += top
        key -= weights[0]
        return np.argsort(key, kind="stable")
    return np.lexsort([*(-w for w in reversed(weights)), parent])


def _placed(
    values: npt.NDArray[np.int64], preorder: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Values of the nodes in level order, put in depth-first order."""
    out = np.empty(len(preorder), dtype=np.int64)
    out[preorder] = values
    return out


ORDER_BATCH = 1 << 16
"""Nodes whose siblings are ordered at once: a few levels of a small tree (kept trees
are updated every refresh while following the present, and a loop per level costs
there), a level at a time of a large one (temporaries over millions of nodes are
tens of MB each)."""


def _level_batches(starts: list[int]) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """Runs of whole levels (`starts` bound them) of at least ORDER_BATCH nodes, or the
    rest: (first node, end, the levels' bounds)."""
    batches: list[tuple[int, int, list[tuple[int, int]]]] = []
    levels: list[tuple[int, int]] = []
    for lo, hi in itertools.pairwise(starts):
        levels.append((lo, hi))
        if hi - levels[0][0] >= ORDER_BATCH:
            batches.append((levels[0][0], hi, levels))
            levels = []
    if levels:
        batches.append((levels[0][0], levels[-1][1], levels))
    return batches


def _sibling_offsets(
    parent: npt.NDArray[np.int64],
    weights: list[npt.NDArray[np.int64]],
    size: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """How many nodes (subtree sizes) come before each node among its siblings, in
    display order; siblings share a parent, and every parent here is another node."""
    order = _sibling_order(parent, weights)
    sizes = size[order]
    before = np.cumsum(sizes)
    before -= sizes
    ordered_parent = parent[order]
    new_group = np.empty(len(order), dtype=bool)
    new_group[0] = True
    np.not_equal(ordered_parent[1:], ordered_parent[:-1], out=new_group[1:])
    # `before` grows along the order, so the largest group start so far is
    # each node's own group's: its offset among its siblings.
    group_first = np.where(new_group, before, 0)
    np.maximum.accumulate(group_first, out=group_first)
    offset = np.empty(len(order), dtype=np.int64)
    offset[order] = before - group_first
    return offset


def _preorder(
    parent: npt.NDArray[np.int64],
    level_start: list[int],
    weights: list[npt.NDArray[np.int64]],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Depth-first position and subtree size of every node.

    Nodes are numbered level by level (a parent before its children) and
    among siblings in display order for equal weights.
    """
    n = len(parent)
    size = np.ones(n, dtype=np.int64)
    for lo, hi, parent_lo in zip(
        reversed(level_start[1:-1]),
        reversed(level_start[2:]),
        reversed(level_start[:-2]),
        strict=True,
    ):
        size[parent_lo:lo] += np.bincount(
            parent[lo:hi] - parent_lo, weights=size[lo:hi], minlength=lo - parent_lo
        ).astype(np.int64)
    preorder = np.zeros(n, dtype=np.int64)
    for lo, hi, levels in _level_batches(level_start[1:]):
        offset = _sibling_offsets(parent[lo:hi], [w[lo:hi] for w in weights], size[lo:hi])
        for level_lo, level_hi in levels:
            preorder[level_lo:level_hi] = (
                preorder[parent[level_lo:level_hi]] + 1 + offset[level_lo - lo : level_hi - lo]
            )
    return preorder, size
