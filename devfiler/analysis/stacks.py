"""Distinct traces of a selection as integer paths over labeled frames.

Every distinct trace becomes a run of frame codes, outermost first, in one
flat array (`codes`, cut by `offsets`); a code indexes `frames`, the boxes
of each distinct frame resolved once (several per frame when inline chains
are expanded). Views aggregate events per trace with numpy and then work on
these arrays, touching Python objects only per distinct frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import FrameLabeler, LabeledFrame, SymbolLookup
from devfiler.model import FileId, FrameId, FrameKind
from devfiler.storage.frame_groups import distinct_records
from devfiler.storage.store import Store


@dataclass(frozen=True, slots=True)
class StackTable:
    """Paths of the distinct traces of `columns.trace_numbers`, in that order.

    `frames` may hold more boxes than the paths use.
    """

    frames: tuple[LabeledFrame, ...]
    offsets: npt.NDArray[np.int64]
    codes: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> npt.NDArray[np.int64]:
        return np.diff(self.offsets)

    def leaf_codes(self) -> npt.NDArray[np.int64]:
        """Innermost box of each path (-1 for empty paths)."""
        lengths = self.lengths
        leaves = np.full(len(lengths), -1, dtype=np.int64)
        nonempty = lengths > 0
        leaves[nonempty] = self.codes[self.offsets[1:][nonempty] - 1]
        return leaves

    def key_rank(self) -> npt.NDArray[np.int64]:
        """Rank of every code by frame key: children with equal weight sort by it."""
        order = sorted(range(len(self.frames)), key=lambda code: self.frames[code].key)
        rank = np.empty(len(self.frames), dtype=np.int64)
        rank[np.array(order, dtype=np.int64)] = np.arange(len(order))
        return rank


def gather(
    codes: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    lengths: npt.NDArray[np.int64],
    *,
    reverse: bool = False,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Concatenate codes[start:start+length] runs (each reversed if asked) as new paths."""
    lengths = lengths.astype(np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    # One index array, the running sum of its steps (1, or -1 reversed, within a run and
    # a jump between runs): the ranges and repeats it replaces were each as long as the
    # result, tens of MB for the traces of a busy hour.
    step = -1 if reverse else 1
    filled = lengths > 0
    run_lengths = lengths[filled]
    firsts = starts.astype(np.int64)[filled]
    if reverse:
        firsts += run_lengths - 1
    lasts = firsts + step * (run_lengths - 1)
    index = np.full(int(offsets[-1]), step, dtype=np.int64)
    if len(firsts):
        index[offsets[:-1][filled]] = np.r_[firsts[0], firsts[1:] - lasts[:-1]]
    np.cumsum(index, out=index)
    return codes[index], offsets


def _first_seen_frames(
    records: npt.NDArray[np.void], occurrences: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.void]]:
    """Number the distinct frame IDs that `occurrences` (indices into `records`) use, in
    order of first appearance.

    Returns (frame number of every occurrence, the first occurring record of each
    frame). `records` may repeat a record many times (one per occurrence) or hold each
    once (a trace pack's table): each record used is grouped once, taken in the order
    it first occurs, so the numbering is the same either way.
    """
    count = len(occurrences)
    position = np.arange(count, dtype=np.int64)
    first_seen = np.full(len(records), count, dtype=np.int64)
    np.minimum.at(first_seen, occurrences, position)
    used = occurrences[first_seen[occurrences] == position]
    number, first = distinct_records(records[used])
    numbering = np.empty(len(records), dtype=np.int64)
    numbering[used] = number
    return numbering[occurrences], records[used[first]]


def frame_ids(records: npt.NDArray[np.void]) -> list[tuple[FrameId, FrameKind]]:
    """The frame ID and kind of each record, making one FileId per distinct file."""
    files, file_of = np.unique(records["file"], return_inverse=True)
    file_ids = [FileId.from_bytes(bytes(raw)) for raw in files]
    kinds = {int(kind): kind for kind in FrameKind}
    return [
        (FrameId(file_ids[file], address), kinds[kind] if kind in kinds else FrameKind(kind))
        for file, address, kind in zip(
            file_of.reshape(-1).tolist(),
            records["addr"].tolist(),
            records["kind"].tolist(),
            strict=True,
        )
    ]


class TraceReferences(Protocol):
    """Rows that name traces: `trace_index` into the sorted distinct `trace_numbers`
    (storage/events.py EventColumns and EventWeights)."""

    @property
    def trace_numbers(self) -> npt.NDArray[np.int64]: ...

    @property
    def trace_index(self) -> npt.NDArray[np.intp]: ...


KnownChains = dict[bytes, tuple[LabeledFrame, ...]]
"""The boxes of frames resolved before, by their stored frame record."""


def load_stacks(
    store: Store,
    columns: TraceReferences,
    symbols: SymbolLookup | None,
    *,
    inline: bool,
    known: KnownChains | None = None,
) -> StackTable:
    """Resolve the distinct traces of `columns` (only those its events use).

    With `known`, frames found there are not resolved again, and the others
    are added to it: a profile following the present resolves the traces
    new in each interval, whose frames it has mostly seen already.
    """
    used = np.zeros(len(columns.trace_numbers), dtype=bool)
    used[columns.trace_index] = True
    used_index = np.flatnonzero(used)
    stored = store.coded_traces(columns.trace_numbers[used_index])
    per_used = stored.lengths
    outermost_first, _ = gather(stored.codes, stored.starts, per_used, reverse=True)
    frame_numbers, first_records = _first_seen_frames(stored.records, outermost_first)
    chains = _chains(store, symbols, first_records, known)
    kept = [chain if inline else chain[:1] for chain in chains]
    boxes = tuple(box for chain in kept for box in chain)
    chain_lengths = np.fromiter((len(chain) for chain in kept), np.int64, len(kept))
    trace_lengths = np.zeros(len(columns.trace_numbers), dtype=np.int64)
    trace_lengths[used_index] = per_used
    if bool((chain_lengths == 1).all()):
        codes = frame_numbers
    else:
        chain_offsets = np.zeros(len(kept) + 1, dtype=np.int64)
        np.cumsum(chain_lengths, out=chain_offsets[1:])
        codes, _ = gather(
            np.arange(len(boxes), dtype=np.int64),
            chain_offsets[:-1][frame_numbers],
            chain_lengths[frame_numbers],
        )
        reach = np.zeros(len(frame_numbers) + 1, dtype=np.int64)
        np.cumsum(chain_lengths[frame_numbers], out=reach[1:])
        frame_offsets = np.zeros(len(trace_lengths) + 1, dtype=np.int64)
        np.cumsum(trace_lengths, out=frame_offsets[1:])
        trace_lengths = np.diff(reach[frame_offsets])
    offsets = np.zeros(len(trace_lengths) + 1, dtype=np.int64)
    np.cumsum(trace_lengths, out=offsets[1:])
    return StackTable(boxes, offsets, codes)


def _chains(
    store: Store,
    symbols: SymbolLookup | None,
    records: npt.NDArray[np.void],
    known: KnownChains | None,
) -> list[tuple[LabeledFrame, ...]]:
    """The boxes of the frame of every record, outermost first (see `load_stacks`)."""
    if known is None:
        return _resolved(store, symbols, records)
    size, raw = records.itemsize, records.tobytes()
    keys = [raw[at : at + size] for at in range(0, len(raw), size)]
    missing = [i for i, key in enumerate(keys) if key not in known]
    if missing:
        resolved = _resolved(store, symbols, records[np.array(missing, dtype=np.int64)])
        for i, chain in zip(missing, resolved, strict=True):
            known[keys[i]] = chain
    return [known[key] for key in keys]


def _resolved(
    store: Store, symbols: SymbolLookup | None, records: npt.NDArray[np.void]
) -> list[tuple[LabeledFrame, ...]]:
    frame_kinds = frame_ids(records)
    labeler = FrameLabeler(store.executables(), symbols)
    return labeler.resolve(frame_kinds, store.frame_records([f for f, _ in frame_kinds]))
