"""The view a window was left in comes back when it opens again on the same data folder."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from devfiler.ui.view_state import view_state_path
from tests.ui.conftest import FilledStore
from tests.ui.test_window import open_window
from tests.ui.test_window_filters import busiest_thread
from tests.ui.test_window_flamegraph import quiet, whole

pytestmark = pytest.mark.gui
ROW = 18


def saved(filled_store: FilledStore) -> Any:
    path = view_state_path(filled_store.data_dir)
    return json.loads(path.read_text()) if path.exists() else {}


def wait_saved(filled_store: FilledStore, check: Any, what: str) -> Any:
    give_up = time.monotonic() + 30
    while time.monotonic() < give_up:
        current = saved(filled_store)
        if current and check(current):
            return current
        time.sleep(0.2)
    raise AssertionError(f"the view file never got to: {what}; it holds {saved(filled_store)}")


def test_tab_filters_zoom_shape_and_sort_survive_a_restart(
    filled_store: FilledStore, tmp_path: Path
) -> None:
    thread = busiest_thread(filled_store)
    with open_window(filled_store, tmp_path, *quiet(filled_store)) as window:
        first: Any = window.state()
        vx, vy = first["filters"]["value_at"]
        window.click(vx + 20, vy + 8)
        window.xdotool("type", "--delay", "40", thread)
        window.xdotool("key", "Return")
        window.wait_for(lambda s: s["filters"]["chips"] and s["settled"], "the filter applied")
        mx, my = first["flamegraph"]["merge_at"]
        window.click(mx + 6, my + 6)
        window.wait_for(lambda s: s["shape"]["merge_recursion"] and s["settled"], "merged")
        left, top, _, _ = first["flamegraph"]["area"]
        window.click(left + 5, top + 2 * ROW + 9)  # the thread's heaviest outermost frame
        zoomed = window.wait_for(lambda s: not whole(s), "zoomed into a frame")
        frame = zoomed["flamegraph"]["root"].split("zoomed into ")[1].split(":")[0]

        tx, ty = first["tabs_at"]["topfuncs"]
        window.click(tx + 10, ty + 6)
        rows = window.wait_for(
            lambda s: s["tab"] == "topfuncs" and s["settled"] and s["topfuncs"]["first_at"],
            "top functions drawn",
        )
        _, row_y = rows["topfuncs"]["first_at"]
        window.click(left + 30, row_y - ROW)  # the first "Self" header
        window.wait_for(lambda s: s["topfuncs"]["order"] == "self", "sorted by self")
        kept = wait_saved(
            filled_store,
            lambda v: v["tab"] == "topfuncs" and v["tabs"]["topfuncs"]["order"] == "self",
            "the view saved",
        )
    assert kept["filters"] == [["thread", thread, False]]
    assert kept["merge_recursion"] is True
    zoom = kept["tabs"]["flamegraph"]["zoom"]
    assert zoom[1] == f"thread:{thread}" and len(zoom) == 3

    with open_window(filled_store, tmp_path, *quiet(filled_store)) as window:
        again = window.wait_for(lambda s: s["settled"], "opened again")
        assert again["tab"] == "topfuncs"
        assert again["topfuncs"]["order"] == "self"
        assert again["filters"]["chips"] == [f"thread={thread}"]
        assert again["shape"]["merge_recursion"] is True
        tx, ty = again["tabs_at"]["flamegraph"]  # type: ignore[index]
        window.click(tx + 10, ty + 6)
        try:
            window.wait_for(lambda s: s["tab"] == "flamegraph", "the tab switched", timeout=10)
        except AssertionError:
            # About one run in twenty-five loses this click (cause not found; the tab
            # tests click each tab once): the view file is what this test is about.
            window.click(tx + 10, ty + 6)
        flame = window.wait_for(
            lambda s: s["tab"] == "flamegraph" and s["settled"] and not whole(s),
            "the zoom found again",
        )
        assert f"zoomed into {frame}" in flame["flamegraph"]["root"]
