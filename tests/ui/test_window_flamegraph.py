"""The flamegraph's view state in the real window under X: double-click, Escape, zoom honesty."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from devfiler.analysis.flamegraph import flamegraph_table
from devfiler.analysis.profile import load_profile
from devfiler.analysis.results import Selection
from devfiler.collector.decode import decode_request
from devfiler.config import data_paths
from devfiler.loadgen.params import LoadParams
from devfiler.loadgen.profiles import PROFILES
from devfiler.loadgen.requests import generate
from devfiler.storage.store import Store
from tests.ui.conftest import NS, FilledStore
from tests.ui.test_window import Window, open_window
from tests.ui.test_window_filters import threads_by_samples

pytestmark = pytest.mark.gui
ROW = 18


def quiet(filled_store: FilledStore) -> tuple[str, ...]:
    """The filled range, without background symbol fetching: its writes slow the first frames."""
    return (*filled_store.range_args(), "--no-auto-symbols")


def whole(state: Any) -> bool:
    return bool(state["flamegraph"]["x0"] == 0.0 and state["flamegraph"]["x1"] == 1.0)


def zoom_into_first_thread(window: Window) -> Any:
    left, top, _, _ = window.state()["flamegraph"]["area"]  # type: ignore[index]
    window.click(left + 5, top + ROW + 9)
    return window.wait_for(lambda s: not whole(s), "zoomed into the first thread")


def test_double_click_anywhere_resets_and_leaves_the_sandwich_view(
    filled_store: FilledStore, tmp_path: Path
) -> None:
    with open_window(filled_store, tmp_path, *quiet(filled_store)) as window:
        zoomed = zoom_into_first_thread(window)
        assert "zoomed into" in zoomed["flamegraph"]["root"]
        assert zoomed["flamegraph"]["root"].endswith("double-click or Esc to reset")
        left, top, width, _ = zoomed["flamegraph"]["area"]
        # Deep in the graph, on a frame that a single click would zoom to.
        window.click(left + width // 3, top + 3 * ROW + 9, repeat=2)
        reset = window.wait_for(whole, "reset by a double-click")
        assert reset["flamegraph"]["root"] == "100% of all samples"
        time.sleep(0.5)
        assert whole(window.state()), "the double-click's release zoomed in again"

        zoom_into_first_thread(window)
        window.xdotool("key", "Escape")
        window.wait_for(whole, "reset by Escape")

        window.click(left + 5, top + 3 * ROW + 9, ctrl=True)
        window.wait_for(
            lambda s: s["flamegraph"]["sandwich"] and s["settled"], "sandwich view drawn"
        )
        window.click(left + width // 2, top + 2 * ROW + 9, repeat=2)
        window.wait_for(lambda s: s["flamegraph"]["sandwich"] is None, "back from the sandwich")


def test_a_zoom_whose_frame_the_filter_removes_resets(
    filled_store: FilledStore, tmp_path: Path
) -> None:
    with open_window(filled_store, tmp_path, *quiet(filled_store)) as window:
        zoomed = zoom_into_first_thread(window)
        thread = zoomed["flamegraph"]["root"].split("zoomed into ")[1].split(":")[0]
        other = next(name for name in threads_by_samples(filled_store) if name != thread)
        vx, vy = zoomed["filters"]["value_at"]
        window.click(vx + 20, vy + 8)
        window.xdotool("type", "--delay", "40", other)
        window.xdotool("key", "Return")
        filtered = window.wait_for(
            lambda s: s["filters"]["chips"] and s["settled"], "the thread filter applied"
        )
        assert whole(filtered), "the zoom stayed on a thread the filter removed"
        assert filtered["flamegraph"]["root"] == "100% of the filtered samples"


BUSY_START_NS = 1_700_000_000 * NS
BUSY_SECONDS = 120


@pytest.fixture(scope="module")
def busy_store(tmp_path_factory: pytest.TempPathFactory) -> FilledStore:
    """Two minutes of the busy-host shape: a tree with far more nodes than pixels."""
    data_dir = tmp_path_factory.mktemp("busy")
    params = LoadParams(start_ns=BUSY_START_NS, duration_s=BUSY_SECONDS, **PROFILES["busy-host"])
    with Store.open(data_paths(data_dir)) as store:
        for batch in generate(params):
            store.write(decode_request(batch.request, batch.window_end_ns).batch)
    return FilledStore(data_dir, BUSY_START_NS, BUSY_START_NS + BUSY_SECONDS * NS)


def test_a_busy_host_is_drawn_from_a_tree_cut_to_pixels_and_zooming_refines_it(
    busy_store: FilledStore, tmp_path: Path
) -> None:
    selection = Selection(busy_store.start_ns, busy_store.end_ns)
    with Store.open_reader(data_paths(busy_store.data_dir)) as store:
        complete = len(flamegraph_table(load_profile(store, selection)).table)
    args = (*busy_store.range_args(), "--retention", "off", "--no-auto-symbols")
    with open_window(busy_store, tmp_path, *args) as window:
        first = window.state()["flamegraph"]
        assert isinstance(first, dict)
        assert 200 < first["nodes"] < complete // 10
        zoomed = zoom_into_first_thread(window)
        zoomed = window.wait_for(
            lambda s: s["settled"] and s["flamegraph"]["nodes"] > first["nodes"],
            "the zoomed thread drawn in more detail",
        )
        assert zoomed["flamegraph"]["nodes"] < complete
        assert "zoomed into" in zoomed["flamegraph"]["root"]
