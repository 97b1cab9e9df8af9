"""The bundle of services the window is started with, besides the store: the
collector's request log, the symbol folder with its ingest worker, the
application log, the retention and summary jobs and the forwarders."""

from __future__ import annotations

from dataclasses import dataclass

from devfiler.collector.forward import Forwarder
from devfiler.collector.request_log import RequestLog
from devfiler.log_ring import LogRing
from devfiler.storage.retention_job import RetentionJob
from devfiler.storage.summary_job import SummaryJob
from devfiler.symbolize.store.ingest import BackgroundIngest
from devfiler.symbolize.store.symbol_store import SymbolStore


@dataclass(frozen=True, slots=True)
class Services:
    """Built by the command that opens the window, shared by every tab."""

    request_log: RequestLog
    symbol_store: SymbolStore
    ingest: BackgroundIngest
    log: LogRing
    retention: RetentionJob | None = None
    forwarders: tuple[Forwarder, ...] = ()
    summaries: SummaryJob | None = None
