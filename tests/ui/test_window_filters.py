"""The filter bar in the real window under X: a thread filter narrows the flamegraph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devfiler.analysis.results import Selection
from devfiler.analysis.selection import select_events
from devfiler.config import data_paths
from devfiler.storage.store import Store
from tests.ui.conftest import FilledStore
from tests.ui.test_window import open_window

pytestmark = pytest.mark.gui


def threads_by_samples(filled_store: FilledStore) -> list[str]:
    """Thread names the store holds, busiest first (the synthetic agent names them)."""
    with Store.open_reader(data_paths(filled_store.data_dir)) as store:
        events = select_events(store, Selection(filled_store.start_ns, filled_store.end_ns))
    counts = [0] * len(events.thread_names)
    for thread in events.thread_index.tolist():
        counts[thread] += 1
    return sorted(events.thread_names, key=lambda name: -counts[events.thread_names.index(name)])


def busiest_thread(filled_store: FilledStore) -> str:
    return threads_by_samples(filled_store)[0]


def test_including_a_thread_narrows_every_view_until_its_chip_is_removed(
    filled_store: FilledStore, tmp_path: Path
) -> None:
    thread = busiest_thread(filled_store)
    with open_window(filled_store, tmp_path, *filled_store.range_args()) as window:
        before: Any = window.state()
        everything = before["flamegraph"]["total"]
        assert everything > 0 and before["filters"]["chips"] == []

        vx, vy = before["filters"]["value_at"]
        window.click(vx + 20, vy + 8)
        window.xdotool("type", "--delay", "40", thread)
        ix, iy = before["filters"]["include_at"]
        window.click(ix + 10, iy + 8)
        narrowed: Any = window.wait_for(
            lambda s: s["filters"]["chips"] and s["settled"], "the thread filter applied"
        )
        assert narrowed["filters"]["chips"] == [f"thread={thread}"]
        assert 0 < narrowed["flamegraph"]["total"] < everything

        cx, cy = narrowed["filters"]["chips_at"][0]
        window.click(cx + 10, cy + 8)
        back: Any = window.wait_for(
            lambda s: not s["filters"]["chips"] and s["settled"], "the filter removed"
        )
        assert back["flamegraph"]["total"] == everything
