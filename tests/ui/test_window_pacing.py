"""The real window's frame loop under X: it sleeps while idle and answers input at once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import FilledStore
from tests.ui.test_window import Window, open_window

pytestmark = pytest.mark.gui

IDLE_SECONDS = 3.0


@pytest.fixture
def window(filled_store: FilledStore, tmp_path: Path) -> Iterator[Window]:
    # No background symbol fetching: its status writes are new data, which wakes the window.
    args = (*filled_store.range_args(), "--no-auto-symbols")
    with open_window(filled_store, tmp_path, *args) as shown:
        yield shown


def frames(window: Window) -> int:
    drawn = window.state()["frames"]
    assert isinstance(drawn, int)
    return drawn


def test_an_idle_window_sleeps_and_input_wakes_it(window: Window) -> None:
    time.sleep(1.0)
    before = frames(window)
    time.sleep(IDLE_SECONDS)
    idle = frames(window) - before
    # About one frame a second (the store's change poll); a window that
    # redraws steadily draws dozens a second even on a loaded machine.
    assert idle <= 4 * IDLE_SECONDS, f"{idle} frames while idle"

    flame = window.state()["flamegraph"]
    assert isinstance(flame, dict)
    fx, fy = flame["filter_at"]
    window.click(fx + 20, fy + 8)
    window.xdotool("type", "--delay", "20", "libc.so.6: handle_req")
    typed = window.wait_for(
        lambda s: s["flamegraph"]["filter"] == "libc.so.6: handle_req", "all keys", timeout=20
    )
    assert typed["flamegraph"]["counter"]


def test_a_quick_timeline_drag_pans_as_far_as_a_slow_one(window: Window) -> None:
    start: Any = window.state()
    left, top, width, height = start["timeline"]
    y = str(int(top + height / 3))
    shifts = []
    for pause in ("0.15", "0"):
        before = window.state()["time_range"]
        # Mouse down, four moves to the left and up; with no pause, all at once.
        window.xdotool("mousemove", "--window", window.window_id, str(int(left + width / 2)), y)
        time.sleep(0.3)
        steps = [
            f"mousemove --window {window.window_id} {int(left + width / 2 - 60 * i)} {y}"
            for i in range(1, 5)
        ]
        script = ["mousedown 1", *(f"sleep {pause} {step}" for step in steps), "mouseup 1"]
        window.xdotool(*" ".join(script).split())
        moved: Any = window.wait_for(lambda s, was=before: s["time_range"] != was, "moved")
        shifts.append(moved["time_range"][0] - before[0])
        assert moved["following"] is None
    # Dragging to the left shows later times; both drags moved the range by 240 px.
    assert shifts[0] > 0
    assert shifts[1] == pytest.approx(shifts[0], rel=0.05)
