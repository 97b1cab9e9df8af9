"""Events of a time range as one set of numpy columns, merged from many blocks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.model import SampleKind, TraceHash
from devfiler.storage.blocks import HASH_DTYPE, Block, CorruptBlockError
from devfiler.storage.keys import NS_PER_SECOND


@dataclass(frozen=True, slots=True)
class EventColumns:
    """One row per event. Indices point into the distinct `trace_hashes` / `context_keys`.

    Analysis works on these arrays: aggregate per distinct trace with numpy,
    then look up only the distinct traces.
    """

    timestamps: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.uint8]
    weights: npt.NDArray[np.int64]
    trace_index: npt.NDArray[np.intp]
    trace_hashes: npt.NDArray[np.void]
    context_index: npt.NDArray[np.intp]
    context_keys: npt.NDArray[np.uint64]

    def __len__(self) -> int:
        return len(self.timestamps)

    def trace_hash(self, index: int) -> TraceHash:
        return TraceHash.from_bytes(bytes(self.trace_hashes[index]))

    def select(self, mask: npt.NDArray[np.bool_]) -> EventColumns:
        """Keep the rows where `mask` holds; the distinct tables stay as they are."""
        return EventColumns(
            self.timestamps[mask],
            self.kinds[mask],
            self.weights[mask],
            self.trace_index[mask],
            self.trace_hashes,
            self.context_index[mask],
            self.context_keys,
        )

    @classmethod
    def empty(cls) -> EventColumns:
        return cls(
            np.empty(0, np.int64),
            np.empty(0, np.uint8),
            np.empty(0, np.int64),
            np.empty(0, np.intp),
            np.empty(0, HASH_DTYPE),
            np.empty(0, np.intp),
            np.empty(0, np.uint64),
        )


def merge_blocks(blocks: Iterable[tuple[int, Block]], start_ns: int, end_ns: int) -> EventColumns:
    """Concatenate (second, block) pairs, keeping events with start <= ts < end."""
    timestamps: list[npt.NDArray[np.int64]] = []
    kinds: list[npt.NDArray[np.uint8]] = []
    weights: list[npt.NDArray[np.int64]] = []
    trace_idx: list[npt.NDArray[np.intp]] = []
    context_idx: list[npt.NDArray[np.intp]] = []
    hash_tables: list[npt.NDArray[np.void]] = []
    key_tables: list[npt.NDArray[np.uint64]] = []
    hash_base = key_base = 0
    for second, block in blocks:
        n_traces, n_contexts = len(block.trace_hashes), len(block.context_keys)
        if block.summary.events and (
            int(block.trace_index.max()) >= n_traces or int(block.context_index.max()) >= n_contexts
        ):
            raise CorruptBlockError(f"event block of second {second} has an index out of range")
        ts = block.offsets.astype(np.int64) + second * NS_PER_SECOND
        keep = (ts >= start_ns) & (ts < end_ns)
        everything = bool(keep.all())
        pick = slice(None) if everything else keep
        timestamps.append(ts[pick])
        kinds.append(np.full(int(keep.sum()), int(block.summary.kind), np.uint8))
        weights.append(block.weight_column()[pick])
        trace_idx.append(block.trace_index[pick].astype(np.intp) + hash_base)
        context_idx.append(block.context_index[pick].astype(np.intp) + key_base)
        hash_tables.append(block.trace_hashes)
        key_tables.append(block.context_keys)
        hash_base += n_traces
        key_base += n_contexts
    if not timestamps:
        return EventColumns.empty()
    hashes, hash_inverse = np.unique(np.concatenate(hash_tables), return_inverse=True)
    keys, key_inverse = np.unique(np.concatenate(key_tables), return_inverse=True)
    return EventColumns(
        np.concatenate(timestamps),
        np.concatenate(kinds),
        np.concatenate(weights),
        hash_inverse.reshape(-1)[np.concatenate(trace_idx)],
        hashes,
        key_inverse.reshape(-1)[np.concatenate(context_idx)],
        keys,
    )


def kind_mask(columns: EventColumns, kinds: Iterable[SampleKind]) -> npt.NDArray[np.bool_]:
    return np.isin(columns.kinds, np.array([int(k) for k in kinds], dtype=np.uint8))
