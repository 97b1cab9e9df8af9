"""A store filled by the synthetic agent: broad trees with every frame kind, for checks
that compare two ways of computing the same thing."""

from __future__ import annotations

from pathlib import Path

from devfiler.collector.decode import decode_request
from devfiler.config import data_paths
from devfiler.loadgen.params import LoadParams
from devfiler.loadgen.requests import generate
from devfiler.storage.batch import IngestBatch
from devfiler.storage.store import Store
from devfiler.storage.trace_packs import PACK_TRACES

START_NS = 1_700_000_000_000_000_000


def decoded_requests(params: LoadParams) -> list[tuple[int, IngestBatch]]:
    """The synthetic agent's requests as the collector decodes them: (window end, batch)."""
    return [
        (batch.window_end_ns, decode_request(batch.request, batch.window_end_ns).batch)
        for batch in generate(params)
    ]


def loadgen_store(
    path: Path, seed: int = 3, duration_s: float = 10.0, *, trace_pack_size: int = PACK_TRACES
) -> Store:
    store = Store.open(data_paths(path), trace_pack_size=trace_pack_size)
    params = LoadParams(start_ns=START_NS, seed=seed, rate=2000.0, duration_s=duration_s)
    for batch in generate(params):
        store.write(decode_request(batch.request, batch.window_end_ns).batch)
    return store
