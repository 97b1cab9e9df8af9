"""The tabs of the window, in the order their buttons appear."""

from __future__ import annotations

from devfiler.ui.dbstats_tab import DbStatsTab
from devfiler.ui.flamegraph_tab import FlamegraphTab
from devfiler.ui.tabs import Tab
from devfiler.ui.topfuncs_tab import TopFunctionsTab


def all_tabs() -> list[Tab]:
    return [FlamegraphTab(), TopFunctionsTab(), DbStatsTab()]
