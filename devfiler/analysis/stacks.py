"""Distinct traces of a selection as integer paths over labeled frames.

Every distinct trace becomes a run of frame codes, outermost first, in one
flat array (`codes`, cut by `offsets`); a code indexes `frames`, the boxes
of each distinct frame resolved once (several per frame when inline chains
are expanded). Views aggregate events per trace with numpy and then work on
these arrays, touching Python objects only per distinct frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.analysis.labels import FrameLabeler, LabeledFrame, SymbolLookup
from devfiler.model import FrameId, FrameKind, TraceHash
from devfiler.storage.events import EventColumns
from devfiler.storage.store import Store


@dataclass(frozen=True, slots=True)
class StackTable:
    """Paths of the distinct traces of `columns.trace_hashes`, in that order.

    `frames` may hold more boxes than the paths use (the thread boxes come
    last, see `with_threads`).
    """

    frames: tuple[LabeledFrame, ...]
    offsets: npt.NDArray[np.int64]
    codes: npt.NDArray[np.int64]

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
    within = np.arange(offsets[-1], dtype=np.int64) - np.repeat(offsets[:-1], lengths)
    if reverse:
        within = np.repeat(lengths, lengths) - 1 - within
    return codes[np.repeat(starts.astype(np.int64), lengths) + within], offsets


def load_stacks(
    store: Store,
    columns: EventColumns,
    symbols: SymbolLookup | None,
    *,
    inline: bool,
) -> StackTable:
    """Resolve the distinct traces of `columns` (only those its events use)."""
    used = np.zeros(len(columns.trace_hashes), dtype=bool)
    used[columns.trace_index] = True
    used_index = np.flatnonzero(used)
    found = store.traces(TraceHash.from_bytes(bytes(h)) for h in columns.trace_hashes[used_index])
    frame_number: dict[FrameId, int] = {}
    frame_kinds: list[tuple[FrameId, FrameKind]] = []
    per_trace: list[list[int]] = [[] for _ in range(len(columns.trace_hashes))]
    for index in used_index.tolist():
        trace = found.get(columns.trace_hash(index))
        if trace is None:
            continue
        numbers = per_trace[index]
        for frame_id, kind in zip(reversed(trace.frames), reversed(trace.kinds), strict=True):
            number = frame_number.get(frame_id)
            if number is None:
                number = frame_number[frame_id] = len(frame_kinds)
                frame_kinds.append((frame_id, kind))
            numbers.append(number)
    labeler = FrameLabeler(store.executables(), symbols)
    chains = labeler.resolve(frame_kinds, store.frames(frame_number))
    boxes: list[LabeledFrame] = []
    chain_offsets = np.zeros(len(chains) + 1, dtype=np.int64)
    for i, chain in enumerate(chains):
        kept = chain if inline else chain[:1]
        boxes.extend(kept)
        chain_offsets[i + 1] = chain_offsets[i] + len(kept)
    frame_numbers = np.fromiter((n for numbers in per_trace for n in numbers), dtype=np.int64)
    trace_lengths = np.array([len(numbers) for numbers in per_trace], dtype=np.int64)
    chain_lengths = np.diff(chain_offsets)
    codes, _ = gather(
        np.arange(len(boxes), dtype=np.int64),
        chain_offsets[:-1][frame_numbers],
        chain_lengths[frame_numbers],
    )
    expanded = np.zeros(len(per_trace), dtype=np.int64)
    np.add.at(
        expanded, np.repeat(np.arange(len(per_trace)), trace_lengths), chain_lengths[frame_numbers]
    )
    offsets = np.zeros(len(per_trace) + 1, dtype=np.int64)
    np.cumsum(expanded, out=offsets[1:])
    return StackTable(tuple(boxes), offsets, codes)


def with_threads(
    table: StackTable,
    trace_ids: npt.NDArray[np.int64],
    thread_ids: npt.NDArray[np.int64],
    thread_frames: list[LabeledFrame],
) -> tuple[tuple[LabeledFrame, ...], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Paths `thread; outermost; ...; leaf` for (trace, thread) pairs: (frames, codes, offsets)."""
    base = len(table.frames)
    lengths = table.lengths[trace_ids] + 1
    starts = table.offsets[trace_ids]
    offsets = np.zeros(len(trace_ids) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    codes = np.empty(offsets[-1], dtype=np.int64)
    codes[offsets[:-1]] = base + thread_ids
    body, _ = gather(table.codes, starts, lengths - 1)
    mask = np.ones(len(codes), dtype=bool)
    mask[offsets[:-1]] = False
    codes[mask] = body
    return table.frames + tuple(thread_frames), codes, offsets
