"""The tabs of the window, in the order their buttons appear."""

from __future__ import annotations

from devfiler.ui.flamegraph_tab import FlamegraphTab
from devfiler.ui.tabs import Tab


def all_tabs() -> list[Tab]:
    return [FlamegraphTab()]
