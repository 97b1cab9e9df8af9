"""A flamegraph cut at a share of its root, kept up to date while its profile is folded.

A window following the present gets a new profile every second, and it
differs from the last by a few seconds of events: a thousand (trace,
thread) sums among hundreds of thousands. Building the cut tree again
merges every path (0.15 s for a busy host's hour). Instead the tree is kept
with a margin (its nodes down to half the cut) and the changed sums walk
it: each adds to the nodes on its path, then to the self weight where it
ends or to the omitted weight where it leaves the kept tree.

A node the kept tree left out weighed less than the margin when it was
built, and has since grown by at most what entered the place where its
paths leave the tree (counted per place). While that stays under the cut,
every node at or above the cut is in the kept tree, and the cut tree is the
kept tree's nodes at or above it: equal to `flamegraph_table`. Otherwise,
or for a profile that does not extend the last one (a full load, another
view), the tree is built again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from devfiler.analysis.flamegraph import (
    Zoom,
    flamegraph_table,
    root_label,
    thread_paths,
    zoomed_graph,
)
from devfiler.analysis.labels import LabeledFrame, root_frame, thread_frame
from devfiler.analysis.profile import Profile
from devfiler.analysis.results import FlameGraphTable, FlameTable
from devfiler.analysis.stacks import gather
from devfiler.analysis.tree import Levels, levels_table, merge_levels, zoomed_paths

MARGIN = 2
"""The kept tree holds the nodes down to the cut divided by this."""
_BOXES = 1 << 24
"""Box numbers stay below this: a child's key is its parent * _BOXES + its box."""


class CutTree:
    """The cut flamegraph of successive profiles of one view, and of its zoomed node.

    Not thread-safe: a view asks for one tree at a time.
    """

    def __init__(self) -> None:
        self._kept: _Kept | None = None
        self._zoomed: _Kept | None = None
        self._last: Profile | None = None
        self._from: Profile | None = None
        """The profile asked for before the current one."""
        self._folded: bool | None = None
        """Whether the current profile was folded from `_from`, once worked out."""
        self._walk: _Walk | None = None
        self.builds = 0
        """Trees kept with a margin, built rather than updated."""

    def graph(
        self, profile: Profile, min_share: float, zoom: Zoom | None = None
    ) -> FlameGraphTable:
        """`flamegraph_table(profile, min_share, zoom)`, from the kept trees when they can be.

        The zoomed node's subtree is kept like the whole tree, cut at the
        zoom's share: a window following the present zoomed into a thread
        would otherwise merge that thread's paths again at every refresh.
        """
        table = self.table(profile, min_share)
        at = table.find(zoom.keys) if zoom is not None and zoom.keys else None
        cut = math.ceil(zoom.min_share * profile.total) if zoom is not None else 0
        if zoom is None or at is None or cut < 1:
            self._zoomed = None
            return zoomed_graph(profile, table, zoom)
        kept = self._kept
        numbering = kept.numbering if kept is not None and kept.profile is profile else None
        self._zoomed = self._keep(
            self._zoomed,
            zoom,
            profile,
            cut,
            lambda: _Kept.build(profile, zoom, cut, numbering or _Numbering(), zoom.keys),
        )
        if self._zoomed is None:
            return zoomed_graph(profile, table, zoom)
        subtree = self._zoomed.table(profile, cut)
        return FlameGraphTable(
            profile.unit, profile.start_ns, profile.end_ns, table.spliced(at, subtree)
        )

    def table(self, profile: Profile, min_share: float) -> FlameTable:
        """`flamegraph_table(profile, min_share).table`."""
        cut = math.ceil(min_share * profile.total)
        self._from, self._last, self._folded = self._last, profile, None
        if cut < 1:
            self._kept = None
            return flamegraph_table(profile, min_share).table
        self._kept = self._keep(
            self._kept,
            min_share,
            profile,
            cut,
            lambda: _Kept.build(profile, min_share, cut, _Numbering()),
        )
        if self._kept is None:
            return flamegraph_table(profile, min_share).table
        return self._kept.table(profile, cut)

    def _keep(
        self,
        kept: _Kept | None,
        view: Hashable,
        profile: Profile,
        cut: int,
        build: Callable[[], _Kept],
    ) -> _Kept | None:
        """`kept` brought up to `profile`, or built again; None when the tree is better
        built as `flamegraph_table` builds it."""
        if kept is not None and kept.view == view and kept.extended_by(profile):
            walk = self._walk
            if walk is None or not walk.serves(kept, profile):
                walk = self._walk = _Walk.of(kept, profile)
            kept.update(profile, walk)
            if kept.holds(cut):
                return kept
        elif not self._extends_last(profile):
            # Keeping a tree costs more than building the cut one: only a profile
            # that was folded from the last one (following the present) gets it.
            return None
        self.builds += 1
        return build()

    def _extends_last(self, profile: Profile) -> bool:
        """Whether `profile` was folded from the profile asked for before it (worked out
        once per profile: the whole tree and the zoomed one both ask)."""
        folded = self._folded
        if folded is None:
            last = self._from
            folded = last is not None and last is not profile and _extended(last, profile)
            self._folded = folded
        return folded


@dataclass(slots=True)
class _Kept:
    """The tree down to `margin`, in level order (tree.Levels), boxes numbered for good.

    `view` is what the tree was kept for (the cut's share, or the zoom).
    `box` numbers a node's box by `numbering` (by its key), so that boxes
    added by later profiles do not renumber it; `children` and `child_node`
    find a node's child by (parent * _BOXES + box). `exits` and `inflow`
    are where paths left the tree since it was built and what entered there.
    A zoomed node's tree holds the paths through it from below it: `prefix`
    numbers the boxes down to it and `top` is its box.
    """

    profile: Profile
    view: Hashable
    margin: int
    parent: npt.NDArray[np.int64]
    box: npt.NDArray[np.int64]
    level_start: list[int]
    weight: npt.NDArray[np.int64]
    own: npt.NDArray[np.int64]
    lost: npt.NDArray[np.int64]
    children: npt.NDArray[np.int64]
    child_node: npt.NDArray[np.int64]
    numbering: _Numbering
    prefix: npt.NDArray[np.int64]
    top: LabeledFrame | None
    exits: npt.NDArray[np.int64]
    inflow: npt.NDArray[np.int64]

    @classmethod
    def build(
        cls,
        profile: Profile,
        view: Hashable,
        cut: int,
        numbering: _Numbering,
        zoom_keys: tuple[str, ...] = (),
    ) -> _Kept:
        frames, paths = thread_paths(profile)
        weights, top = profile.pair_weight, None
        if zoom_keys:
            paths, chosen, top = zoomed_paths(frames, paths, zoom_keys)
            weights = weights[chosen]
        margin = max(cut // MARGIN, 1)
        boxes, levels = merge_levels(frames, paths, [weights], margin)
        box_number = numbering.box_number
        numbers = _box_numbers(boxes, box_number)
        box = np.append(numbers, -1)[levels.code]
        parent = levels.parent
        children = parent[1:] * _BOXES + box[1:]
        order = np.argsort(children, kind="stable")
        lost = levels.lost if levels.lost is not None else np.zeros(len(parent), np.int64)
        none = np.empty(0, dtype=np.int64)
        return cls(
            profile=profile,
            view=view,
            margin=margin,
            parent=parent,
            box=box,
            level_start=levels.level_start,
            weight=levels.weight[0].copy(),
            own=levels.own[0].copy(),
            lost=lost.copy(),
            children=children[order],
            child_node=order + 1,
            numbering=numbering,
            prefix=np.array([box_number[key] for key in zoom_keys], dtype=np.int64),
            top=top,
            exits=none,
            inflow=none,
        )

    def extended_by(self, profile: Profile) -> bool:
        return _extended(self.profile, profile)

    def update(self, profile: Profile, walk: _Walk) -> None:
        """Walk the sums that changed since the last profile (`walk`) through the tree."""
        self.profile = profile
        change, boxes, steps, length = walk.change, walk.boxes, walk.steps, walk.length
        if not len(change):
            return
        step = len(self.prefix)
        live = np.arange(len(change), dtype=np.int64)
        if step:
            live = live[self._through_prefix(boxes, steps[:-1], length)]
        self.weight[0] += int(change[live].sum())
        node = np.zeros(len(live), dtype=np.int64)
        # What each step adds is gathered and added at the end: the walk takes one
        # step per level of the deepest path, so it is kept to a few array operations.
        ends: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
        passes: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
        leaves: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
        children = self.children if len(self.children) else np.full(1, -1, dtype=np.int64)
        while len(live):
            ended = length[live] == step
            key = node * _BOXES + boxes[steps[live] + step]
            at = np.minimum(np.searchsorted(children, key), len(children) - 1)
            going = children[at] == key
            going &= ~ended
            ends.append((node[ended], live[ended]))
            away = ~(going | ended)
            leaves.append((key[away], live[away]))
            live = live[going]
            node = self.child_node[at[going]]
            passes.append((node, live))
            step += 1
        np.add.at(self.own, *_joined(ends, change))
        np.add.at(self.weight, *_joined(passes, change))
        gone, gone_change = _joined(leaves, change)
        np.add.at(self.lost, gone // _BOXES, gone_change)
        self.exits, self.inflow = _summed(
            np.concatenate([self.exits, gone]),
            np.concatenate([self.inflow, np.maximum(gone_change, 0)]),
        )

    def _through_prefix(
        self,
        boxes: npt.NDArray[np.int64],
        starts: npt.NDArray[np.int64],
        length: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.bool_]:
        """Which paths (`length` boxes from `starts` in `boxes`) go through the zoomed node."""
        through: npt.NDArray[np.bool_] = length >= len(self.prefix)
        for depth, number in enumerate(self.prefix.tolist()):
            at = np.where(through, starts + depth, 0)
            through &= boxes[at] == number
        return through

    def holds(self, cut: int) -> bool:
        """Every node weighing `cut` or more is in the kept tree."""
        most = int(self.inflow.max()) if len(self.inflow) else 0
        return self.margin - 1 + most < cut

    def table(self, profile: Profile, cut: int) -> FlameTable:
        """The kept nodes at or above `cut`, as `build_paths_table` makes them."""
        keep = self.weight >= cut
        keep[0] = True
        parent = self.parent
        count = np.zeros(len(keep) + 1, dtype=np.int64)
        np.cumsum(keep, out=count[1:])
        lost = self.lost.copy()
        dropped = np.flatnonzero(~keep)
        np.add.at(lost, parent[dropped], self.weight[dropped])
        kept = np.flatnonzero(keep)
        level_start = count[self.level_start].tolist()
        while len(level_start) > 2 and level_start[-1] == level_start[-2]:
            level_start.pop()
        boxes, rank_of_number = self.numbering.ranks(profile)
        levels = Levels(
            parent=np.where(parent[kept] >= 0, count[np.maximum(parent[kept], 0)], -1),
            code=rank_of_number[self.box[kept]],
            level_start=level_start,
            weight=[self.weight[kept]],
            own=[self.own[kept]],
            lost=lost[kept],
        )
        top = self.top if self.top is not None else root_frame(root_label(profile.selection))
        return levels_table((boxes, levels), top)


class _Numbering:
    """Lasting numbers of boxes by key, for the kept trees of one line of folded profiles.

    The whole tree and the zoomed node's share one, so the changed sums
    they both walk are numbered once (`_Walk`).
    """

    def __init__(self) -> None:
        self.box_number: dict[str, int] = {}
        self._frames = np.empty(0, dtype=np.int64)
        self._threads = np.empty(0, dtype=np.int64)
        self._boxes: list[LabeledFrame] = []
        self._rank_of_number = np.empty(0, dtype=np.int64)

    def numbered(self, profile: Profile) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The lasting numbers of the profile's frames and of its threads' boxes, numbering
        only what the last profile did not have (a fold only adds after the end)."""
        frames, names = profile.stacks.frames, profile.thread_names
        if len(self._frames) < len(frames):
            added = _box_numbers(frames[len(self._frames) :], self.box_number)
            self._frames = np.concatenate([self._frames, added])
        if len(self._threads) < len(names):
            boxes = [thread_frame(name) for name in names[len(self._threads) :]]
            added = _box_numbers(boxes, self.box_number)
            self._threads = np.concatenate([self._threads, added])
        return self._frames, self._threads

    def ranks(self, profile: Profile) -> tuple[list[LabeledFrame], npt.NDArray[np.int64]]:
        """The profile's boxes sorted by key (as `merge_levels` has them), and the rank
        among them of every box number."""
        numbers, threads = self.numbered(profile)
        if len(self._boxes) != len(numbers) + len(threads):
            frames, _ = thread_paths(profile)
            self._boxes, rank = _sorted_boxes(frames)
            self._rank_of_number = np.full(len(self.box_number) + 1, len(frames), dtype=np.int64)
            self._rank_of_number[np.concatenate([numbers, threads])] = rank
        return self._boxes, self._rank_of_number


@dataclass(frozen=True, slots=True)
class _Walk:
    """The changed sums between two profiles, as kept trees sharing `numbering` walk them:
    box s of pair i's path is `boxes[steps[i] + s]` (its thread's box, then its frames)."""

    numbering: _Numbering
    old: object
    new: object
    change: npt.NDArray[np.int64]
    boxes: npt.NDArray[np.int64]
    steps: npt.NDArray[np.int64]
    length: npt.NDArray[np.int64]

    @classmethod
    def of(cls, kept: _Kept, profile: Profile) -> _Walk:
        trace, thread, change = _changes_since(kept.profile, profile)
        numbers, threads = kept.numbering.numbered(profile)
        stacks = profile.stacks
        depth = stacks.offsets[trace + 1] - stacks.offsets[trace]
        path_codes, steps = gather(stacks.codes, stacks.offsets[trace], depth)
        boxes = np.insert(numbers[path_codes], steps[:-1], threads[thread])
        # One more box, so that reading past a path's last box stays in the array.
        boxes = np.append(boxes, -1)
        steps += np.arange(len(steps), dtype=np.int64)
        return cls(
            kept.numbering, kept.profile.identity, profile.identity, change, boxes, steps, depth + 1
        )

    def serves(self, kept: _Kept, profile: Profile) -> bool:
        return (
            self.numbering is kept.numbering
            and self.old is kept.profile.identity
            and self.new is profile.identity
        )


def _extended(old: Profile, profile: Profile) -> bool:
    """Whether `profile` keeps the paths, threads and boxes of `old` as they are and adds
    after them (a fold does), for the same view.

    The same trace numbers over the same boxes in the same view are the
    same paths, so the codes of the paths are not compared.
    """
    n = len(old.trace_numbers)
    view = replace(profile.selection, start_ns=old.start_ns, end_ns=old.end_ns)
    stacks, before = profile.stacks, old.stacks
    return (
        view == old.selection
        and len(profile.trace_numbers) >= n
        and profile.thread_names[: len(old.thread_names)] == old.thread_names
        and stacks.frames[: len(before.frames)] == before.frames
        and np.array_equal(profile.trace_numbers[:n], old.trace_numbers)
        and np.array_equal(stacks.offsets[: n + 1], before.offsets)
    )


def _box_numbers(
    boxes: tuple[LabeledFrame, ...] | list[LabeledFrame], number: dict[str, int]
) -> npt.NDArray[np.int64]:
    """The lasting number of every box, by key; new keys get the next numbers."""
    return np.fromiter(
        (number.setdefault(box.key, len(number)) for box in boxes), np.int64, len(boxes)
    )


def _sorted_boxes(
    frames: tuple[LabeledFrame, ...],
) -> tuple[list[LabeledFrame], npt.NDArray[np.int64]]:
    """The boxes sorted by key (as `merge_levels` has them) and the rank of every frame."""
    by_key = sorted(range(len(frames)), key=lambda code: frames[code].key)
    rank = np.empty(len(frames), dtype=np.int64)
    rank[np.array(by_key, dtype=np.int64)] = np.arange(len(frames), dtype=np.int64)
    return [frames[code] for code in by_key], rank


def _changes_since(
    old: Profile, new: Profile
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(trace, thread, change) of every pair whose sum changed: as the fold that made
    `new` from `old` says, or found by comparing their sums."""
    told = new.changes
    if told is not None and told.base is old.identity:
        return told.trace, told.thread, told.change
    return _changed_pairs(old, new)


def _changed_pairs(
    old: Profile, new: Profile
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(trace, thread, change) of every pair whose sum changed; both profiles keep their
    pairs sorted by (trace, thread) in the same numbering."""
    span = max(len(new.thread_names), 1)
    before = old.pair_trace * span + old.pair_thread
    after = new.pair_trace * span + new.pair_thread
    at = np.minimum(np.searchsorted(after, before), max(len(after) - 1, 0))
    same = after[at] == before if len(after) else np.zeros(len(before), dtype=bool)
    change_old = -old.pair_weight.copy()
    change_old[same] += new.pair_weight[at[same]]
    matched = np.zeros(len(after), dtype=bool)
    matched[at[same]] = True
    key = np.concatenate([before, after[~matched]])
    change = np.concatenate([change_old, new.pair_weight[~matched]])
    moved = change != 0
    key, change = key[moved], change[moved]
    return key // span, key % span, change


def _joined(
    parts: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]],
    change: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(what, rows) pieces as one array of what and the changes of those rows."""
    if not parts:
        none = np.empty(0, dtype=np.int64)
        return none, none
    return np.concatenate([what for what, _ in parts]), change[
        np.concatenate([rows for _, rows in parts])
    ]


def _summed(
    keys: npt.NDArray[np.int64], values: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    if not len(keys):
        return keys, values
    distinct, inverse = np.unique(keys, return_inverse=True)
    return distinct, np.bincount(inverse, weights=values).astype(np.int64)
