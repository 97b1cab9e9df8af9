"""The tabs of the window, in the order their buttons appear."""

from __future__ import annotations

from devfiler.services.window import Services
from devfiler.ui.dbstats_tab import DbStatsTab
from devfiler.ui.executables_tab import ExecutablesTab
from devfiler.ui.flamegraph_tab import FlamegraphTab
from devfiler.ui.flamescope_tab import FlameScopeTab
from devfiler.ui.grpc_tab import GrpcTab
from devfiler.ui.log_tab import LogTab
from devfiler.ui.tabs import Tab
from devfiler.ui.topfuncs_tab import TopFunctionsTab
from devfiler.ui.tracefreq_tab import TraceFrequencyTab


def all_tabs(services: Services) -> list[Tab]:
    return [
        FlamegraphTab(),
        FlameScopeTab(),
        TopFunctionsTab(),
        ExecutablesTab(services.symbol_store, services.ingest),
        LogTab(services.log),
        TraceFrequencyTab(),
        DbStatsTab(services.retention, services.summaries),
        GrpcTab(services.request_log, services.forwarders),
    ]
