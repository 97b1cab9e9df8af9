"""What the store holds (`devfiler query stats`), from block headers and table sizes."""

from __future__ import annotations

from devfiler.analysis.results import StoreStats
from devfiler.model import SampleKind
from devfiler.storage.keys import NS_PER_SECOND
from devfiler.storage.store import Store
from devfiler.storage.tables import EXECUTABLES, FRAMES, TRACES


def store_stats(store: Store) -> StoreStats:
    """Reads only block headers: cheap even on a large store."""
    events = dict.fromkeys(SampleKind, 0)
    weight = dict.fromkeys(SampleKind, 0)
    first: int | None = None
    last: int | None = None
    for second, summary in store.block_summaries():
        if not summary.events:
            continue
        events[summary.kind] += summary.events
        weight[summary.kind] += summary.total_weight
        low = second * NS_PER_SECOND + summary.min_offset
        high = second * NS_PER_SECOND + summary.max_offset
        first = low if first is None else min(first, low)
        last = high if last is None else max(last, high)
    return StoreStats(
        events=events,
        weight=weight,
        traces=store.count(TRACES),
        frames=store.count(FRAMES),
        executables=store.count(EXECUTABLES),
        first_ts=first,
        last_ts=last,
    )
