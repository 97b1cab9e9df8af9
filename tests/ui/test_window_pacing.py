"""The real window's frame loop under X: it sleeps while idle and answers input at once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

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
