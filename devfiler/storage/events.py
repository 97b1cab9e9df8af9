"""Events of a time range as one set of numpy columns, merged from many blocks.

Per block only the columns are cut out of the stored bytes; every sum,
offset and index remapping then runs once over the concatenation, so a range
of thousands of blocks costs a few numpy calls plus one short step per block.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.distinct import sorted_keys
from devfiler.storage.blocks import HASH_DTYPE, Block, CorruptBlockError
from devfiler.storage.keys import NS_PER_SECOND


@dataclass(frozen=True, slots=True)
class EventTimes:
    """When the events of a range happened, their kind and weight: enough for a timeline."""

    timestamps: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.uint8]
    weights: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.timestamps)


@dataclass(frozen=True, slots=True)
class EventColumns:
    """One row per event. Indices point into the distinct `trace_hashes` / `context_keys`.

    Analysis works on these arrays: aggregate per distinct trace with numpy,
    then look up only the distinct traces. Both tables are sorted (hashes by
    their bytes, keys by value).
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


@dataclass(frozen=True, slots=True)
class _Concatenated:
    """The blocks' columns end to end, before cutting to the range."""

    times: EventTimes
    keep: npt.NDArray[np.bool_] | None
    """Rows inside the range; None when every row is."""
    seconds: list[int]
    blocks: list[Block]
    counts: npt.NDArray[np.int64]


def _concatenate(
    blocks: Iterable[tuple[int, Block]], start_ns: int, end_ns: int
) -> _Concatenated | None:
    seconds: list[int] = []
    kept_blocks: list[Block] = []
    for second, block in blocks:
        seconds.append(second)
        kept_blocks.append(block)
    if not kept_blocks:
        return None
    counts = np.fromiter((b.summary.events for b in kept_blocks), np.int64, len(kept_blocks))
    timestamps = np.concatenate([b.offsets for b in kept_blocks]).astype(np.int64)
    timestamps += np.repeat(np.array(seconds, dtype=np.int64) * NS_PER_SECOND, counts)
    kind_codes = np.fromiter((b.summary.kind for b in kept_blocks), np.uint8, len(kept_blocks))
    if all(b.weights is None for b in kept_blocks):
        weights = np.ones(len(timestamps), dtype=np.int64)
    else:
        weights = np.concatenate([b.weight_column() for b in kept_blocks])
    inside = (timestamps >= start_ns) & (timestamps < end_ns)
    return _Concatenated(
        EventTimes(timestamps, np.repeat(kind_codes, counts), weights),
        None if inside.all() else inside,
        seconds,
        kept_blocks,
        counts,
    )


def merge_times(blocks: Iterable[tuple[int, Block]], start_ns: int, end_ns: int) -> EventTimes:
    """Timestamps, kinds and weights of (second, block) pairs with start <= ts < end."""
    merged = _concatenate(blocks, start_ns, end_ns)
    if merged is None:
        return EventTimes(np.empty(0, np.int64), np.empty(0, np.uint8), np.empty(0, np.int64))
    times, keep = merged.times, merged.keep
    if keep is None:
        return times
    return EventTimes(times.timestamps[keep], times.kinds[keep], times.weights[keep])


def merge_blocks(blocks: Iterable[tuple[int, Block]], start_ns: int, end_ns: int) -> EventColumns:
    """Concatenate (second, block) pairs, keeping events with start <= ts < end."""
    merged = _concatenate(blocks, start_ns, end_ns)
    if merged is None:
        return EventColumns.empty()
    trace_index = _global_index(
        [b.trace_index for b in merged.blocks], [len(b.trace_hashes) for b in merged.blocks], merged
    )
    context_index = _global_index(
        [b.context_index for b in merged.blocks],
        [len(b.context_keys) for b in merged.blocks],
        merged,
    )
    hashes, hash_inverse = distinct_hashes(np.concatenate([b.trace_hashes for b in merged.blocks]))
    keys, _, key_inverse = sorted_keys(np.concatenate([b.context_keys for b in merged.blocks]))
    times, keep = merged.times, merged.keep
    if keep is not None:
        times = EventTimes(times.timestamps[keep], times.kinds[keep], times.weights[keep])
        trace_index, context_index = trace_index[keep], context_index[keep]
    return EventColumns(
        times.timestamps,
        times.kinds,
        times.weights,
        hash_inverse[trace_index],
        hashes,
        key_inverse[context_index],
        keys,
    )


def _global_index(
    columns: list[npt.NDArray[np.uint16] | npt.NDArray[np.uint32]],
    table_sizes: list[int],
    merged: _Concatenated,
) -> npt.NDArray[np.intp]:
    """Block-local indices as indices into the blocks' tables laid end to end."""
    local = np.concatenate(columns).astype(np.intp)
    sizes = np.array(table_sizes, dtype=np.intp)
    limits = np.repeat(sizes, merged.counts)
    if len(local) and bool((local >= limits).any()):
        row = int(np.flatnonzero(local >= limits)[0])
        block = int(np.searchsorted(np.cumsum(merged.counts), row, side="right"))
        raise CorruptBlockError(
            f"event block of second {merged.seconds[block]} has an index out of range"
        )
    bases = np.zeros(len(sizes), dtype=np.intp)
    np.cumsum(sizes[:-1], out=bases[1:])
    local += np.repeat(bases, merged.counts)
    return local


def distinct_hashes(
    table: npt.NDArray[np.void],
) -> tuple[npt.NDArray[np.void], npt.NDArray[np.int64]]:
    """`numpy.unique(table, return_inverse=True)` for 16-byte hashes, grouping 64-bit words.

    Sorting void items compares bytes one by one; the first eight bytes read
    big-endian order the hashes the same way, so grouping and sorting by that
    word gives the same result, provided no two distinct hashes share it. The
    second word checks that; should it ever fail the exact byte-wise unique
    runs instead.
    """
    words = np.ascontiguousarray(table, dtype=HASH_DTYPE).view(">u8").reshape(-1, 2)
    _, first, inverse = sorted_keys(words[:, 0].astype(np.uint64))
    if np.array_equal(words[first, 1][inverse], words[:, 1]):
        return table[first], inverse
    exact, exact_inverse = np.unique(table, return_inverse=True)
    return exact, exact_inverse.reshape(-1)
