"""What the store holds (`devfiler query stats`), from block headers and table sizes."""

from __future__ import annotations

from devfiler.analysis.results import UNBOUNDED_END, UNBOUNDED_START, StoreStats
from devfiler.model import SampleKind
from devfiler.storage.store import Store
from devfiler.storage.tables import EXECUTABLES, FRAMES, TRACES


def store_stats(store: Store) -> StoreStats:
    """Reads summaries and the headers of blocks not summarized: cheap even on a large store."""
    sums = store.read_second_sums(UNBOUNDED_START, UNBOUNDED_END)
    of_kind = {kind: sums.kinds == kind for kind in SampleKind}
    stamps = sums.timestamps
    return StoreStats(
        events={kind: int(sums.counts[mask].sum()) for kind, mask in of_kind.items()},
        weight={kind: int(sums.weights[mask].sum()) for kind, mask in of_kind.items()},
        traces=store.count(TRACES),
        frames=store.count(FRAMES),
        executables=store.count(EXECUTABLES),
        first_ts=int(stamps.min()) if len(stamps) else None,
        last_ts=int(stamps.max()) if len(stamps) else None,
    )
