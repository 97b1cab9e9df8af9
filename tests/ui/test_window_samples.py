"""The samples behind a frame in the real window: right-click a box or a Top functions row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import FilledStore
from tests.ui.test_window import Window, open_window
from tests.ui.test_window_flamegraph import quiet

pytestmark = pytest.mark.gui
ROW = 18


def right_click(window: Window, x: float, y: float) -> None:
    window.xdotool("mousemove", "--window", window.window_id, str(int(x)), str(int(y)))
    window.xdotool("click", "3")


def listed(state: Any) -> bool:
    samples = state["samples"]
    return bool(samples["shown"] and samples["rows"] and samples["first_row_at"])


def test_right_click_lists_the_samples_behind_a_box_and_a_function(
    filled_store: FilledStore, tmp_path: Path
) -> None:
    with open_window(filled_store, tmp_path, *quiet(filled_store)) as window:
        left, top, _, _ = window.state()["flamegraph"]["area"]  # type: ignore[index]
        right_click(window, left + 5, top + ROW + 9)
        thread = window.wait_for(listed, "the samples of the first thread")["samples"]
        name = thread["frame"]
        assert thread["rows"] == min(thread["total"], 10_000) and thread["total"] > 100
        assert thread["row_items"] == thread["rows"]
        assert {row[1] for row in thread["rows_text"]} == {name}
        times = [row[0] for row in thread["rows_text"]]
        assert times == sorted(times), "in time order first"
        assert thread["summary"].endswith(f"samples through {name} (weight {thread['total']})")

        fx, fy = thread["first_row_at"]
        window.click(fx + 260, fy - ROW)  # the Thread header
        window.wait_for(lambda s: s["samples"]["order"][0] == "thread", "sorted by thread")
        window.click(fx + 260 + 160, fy - ROW)  # the TID header
        by_tid = window.wait_for(lambda s: s["samples"]["order"][0] == "tid", "sorted by TID")
        tids = [int(row[2]) for row in by_tid["samples"]["rows_text"]]
        assert tids == sorted(tids)

        right_click(window, left + 5, top + 2 * ROW + 9)
        deeper = window.wait_for(
            lambda s: listed(s) and ">" in s["samples"]["frame"], "the samples behind a frame"
        )["samples"]
        assert deeper["frame"].startswith(f"{name} > ")
        assert 0 < deeper["total"] <= thread["total"]

        close_x, close_y = deeper["close_at"]
        window.click(close_x, close_y)
        window.wait_for(lambda s: not s["samples"]["shown"], "the samples window closed")
        tab_x, tab_y = window.state()["tabs_at"]["topfuncs"]  # type: ignore[index]
        window.click(tab_x + 10, tab_y + 6)
        rows = window.wait_for(
            lambda s: s["tab"] == "topfuncs" and s["settled"] and s["topfuncs"]["first_at"],
            "top functions drawn",
        )
        first = rows["topfuncs"]["first"]
        x, y = rows["topfuncs"]["first_at"]
        right_click(window, x + 20, y + 6)
        function = window.wait_for(
            lambda s: listed(s) and s["samples"]["frame"] == first, "the samples of a function"
        )["samples"]
        assert function["total"] > 0
