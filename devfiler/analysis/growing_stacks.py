"""A stack table that folds extend at its end without copying what it already holds.

Following the present adds the few hundred traces new in an interval to a
profile's stack table of tens of thousands. Concatenating gave every fold a
copy of all the paths' codes (1.5 M for a busy host's hour) and a new index
of every box by key. Here the codes and offsets live in arrays with room
to spare, and a folded profile's table is a view of their start. Appending
writes only past the end of every view handed out, so older profiles keep
their values. A fold from a profile that is not the last one appended to
(two folds from one profile, or one from an older profile) gets a copy.
"""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import LabeledFrame
from devfiler.analysis.stacks import StackTable

_ROOM = 1.25
"""Capacity when arrays grow, as a multiple of what they must hold."""
_MIN_ROOM = 1 << 14


class GrowingStacks:
    """Owns the arrays behind one line of folded stack tables. Thread-safe."""

    def __init__(self, stacks: StackTable) -> None:
        self._lock = threading.Lock()
        self._codes = _with_room(stacks.codes, len(stacks.codes))
        self._offsets = _with_room(stacks.offsets, len(stacks.offsets))
        self._code_of = {box.key: code for code, box in enumerate(stacks.frames)}
        self._tip = self._view(stacks.frames, len(stacks.offsets), len(stacks.codes))
        """The table its arrays end with: only a fold from it may append in place."""

    def _append(self, stacks: StackTable, added: StackTable) -> StackTable:
        boxes: list[LabeledFrame] = []
        remap = np.empty(len(added.frames), dtype=np.int64)
        code_of, first_new = self._code_of, len(stacks.frames)
        for code, box in enumerate(added.frames):
            number = code_of.get(box.key)
            if number is None:
                number = code_of[box.key] = first_new + len(boxes)
                boxes.append(box)
            remap[code] = number
        n_offsets, n_codes = len(stacks.offsets), len(stacks.codes)
        codes = remap[added.codes[added.offsets[0] : added.offsets[-1]]]
        offsets = stacks.offsets[-1] + (added.offsets[1:] - added.offsets[0])
        self._codes = _with_room(self._codes, n_codes + len(codes))
        self._offsets = _with_room(self._offsets, n_offsets + len(offsets))
        self._codes[n_codes : n_codes + len(codes)] = codes
        self._offsets[n_offsets : n_offsets + len(offsets)] = offsets
        frames = stacks.frames + tuple(boxes) if boxes else stacks.frames
        self._tip = self._view(frames, n_offsets + len(offsets), n_codes + len(codes))
        return self._tip

    def _view(self, frames: tuple[LabeledFrame, ...], n_offsets: int, n_codes: int) -> StackTable:
        return StackTable(frames, self._offsets[:n_offsets], self._codes[:n_codes])


def extended(
    growing: GrowingStacks | None, stacks: StackTable, added: StackTable
) -> tuple[StackTable, GrowingStacks]:
    """`stacks` with the paths of `added` after its own, their boxes numbered as in
    `stacks` where it has them; and the owner of the result's arrays, to pass to the
    next call (`growing` is the one that made `stacks`, if any)."""
    if growing is not None:
        with growing._lock:
            if stacks is growing._tip:
                return growing._append(stacks, added), growing
    fresh = GrowingStacks(stacks)
    return fresh._append(fresh._tip, added), fresh


def _with_room(array: npt.NDArray[np.int64], needed: int) -> npt.NDArray[np.int64]:
    """`array` when it can hold `needed` values, else a larger copy of its values."""
    if len(array) >= needed and array.base is None and array.flags.writeable:
        return array
    grown = np.empty(max(int(needed * _ROOM), needed + _MIN_ROOM), dtype=np.int64)
    kept = min(len(array), needed)
    grown[:kept] = array[:kept]
    return grown
