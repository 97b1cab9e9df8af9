"""The real window under X (Xvfb in CI): screenshots of each tab and mouse/keyboard use."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dearpygui.dearpygui as dpg
import numpy as np
import numpy.typing as npt
import pytest

from devfiler.model import FrameKind
from devfiler.ui.theme import FRAME_COLOURS
from tests.ui.conftest import FilledStore, devfiler_command, run_devfiler

pytestmark = pytest.mark.gui

FLAME_TOP = 190
"""Below the top bar, timeline and filter row: where the flamegraph boxes are."""


def read_png(path: Path) -> npt.NDArray[np.uint8]:
    width, height, _, data = dpg.load_image(str(path))
    pixels = np.asarray(data, dtype=np.float32).reshape(height, width, 4)
    return np.round(pixels * 255).astype(np.uint8)


def pixels_like(image: npt.NDArray[np.uint8], colour: tuple[int, int, int]) -> int:
    diff = np.abs(image[..., :3].astype(np.int16) - np.asarray(colour, dtype=np.int16))
    return int(np.count_nonzero(diff.max(axis=-1) <= 2))


def test_flamegraph_screenshot_shows_frame_colours(
    filled_store: FilledStore, tmp_path: Path
) -> None:
    shot = tmp_path / "flamegraph.png"
    state = tmp_path / "state.json"
    run_devfiler(
        "--data-dir",
        str(filled_store.data_dir),
        *filled_store.range_args(),
        "--screenshot",
        str(shot),
        state=state,
    )
    image = read_png(shot)
    assert image.shape == (900, 1500, 4)
    assert len(np.unique(image[..., :3].reshape(-1, 3), axis=0)) > 50, "blank screenshot"
    flames = image[FLAME_TOP:]
    for kind in (FrameKind.NATIVE, FrameKind.KERNEL, FrameKind.CPYTHON, FrameKind.JVM):
        assert pixels_like(flames, FRAME_COLOURS[kind]) > 200, kind
    shown = json.loads(state.read_text())
    assert shown["tab"] == "flamegraph" and shown["settled"] and not shown["add_data"]
    assert shown["flamegraph"]["nodes"] > 100


def test_top_functions_screenshot(filled_store: FilledStore, tmp_path: Path) -> None:
    shot = tmp_path / "topfuncs.png"
    state = tmp_path / "state.json"
    run_devfiler(
        "--data-dir",
        str(filled_store.data_dir),
        *filled_store.range_args(),
        "--tab",
        "topfuncs",
        "--screenshot",
        str(shot),
        state=state,
    )
    image = read_png(shot)
    assert image.shape == (900, 1500, 4)
    shown = json.loads(state.read_text())
    assert shown["tab"] == "topfuncs"
    assert 0 < shown["topfuncs"]["rows"] <= 500
    assert shown["topfuncs"]["functions_total"] >= shown["topfuncs"]["rows"]
    # Kind squares in the function column.
    assert pixels_like(image[FLAME_TOP:], FRAME_COLOURS[FrameKind.NATIVE]) > 50


def test_empty_store_opens_the_add_data_window(tmp_path: Path) -> None:
    shot = tmp_path / "empty.png"
    state = tmp_path / "state.json"
    run_devfiler("--data-dir", str(tmp_path / "data"), "--screenshot", str(shot), state=state)
    assert json.loads(state.read_text())["add_data"] is True
    assert read_png(shot).shape == (900, 1500, 4)


class Window:
    """A running devfiler driven with xdotool, observed through its state file."""

    def __init__(self, process: subprocess.Popen[str], state: Path) -> None:
        self.process = process
        self.state_path = state
        self.window_id = ""

    def state(self) -> dict[str, object]:
        return json.loads(self.state_path.read_text()) if self.state_path.exists() else {}

    def wait_for(self, check: object, what: str, timeout: float = 60.0) -> dict[str, object]:
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            assert self.process.poll() is None, (
                self.process.stderr.read() if self.process.stderr else ""
            )
            current = self.state()
            if current and check(current):  # type: ignore[operator]
                return current
            time.sleep(0.1)
        raise AssertionError(f"window never got to: {what}; last state {self.state()}")

    def xdotool(self, *args: str) -> str:
        return subprocess.run(
            ["xdotool", *args], check=True, capture_output=True, text=True, timeout=20
        ).stdout.strip()

    def click(self, x: float, y: float, *, repeat: int = 1, ctrl: bool = False) -> None:
        self.xdotool("mousemove", "--window", self.window_id, str(int(x)), str(int(y)))
        time.sleep(0.2)
        if ctrl:
            self.xdotool("keydown", "ctrl")
        self.xdotool("click", "--repeat", str(repeat), "--delay", "80", "1")
        if ctrl:
            self.xdotool("keyup", "ctrl")


@contextmanager
def open_window(
    filled_store: FilledStore, tmp_path: Path, *args: str, cwd: Path | None = None
) -> Iterator[Window]:
    """The real window on the filled store, with its automation state, until the block ends."""
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed")
    state = tmp_path / "state.json"
    env = dict(os.environ, DEVFILER_UI_STATE=str(state))
    process = subprocess.Popen(
        devfiler_command("--data-dir", str(filled_store.data_dir), *args),
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    shown = Window(process, state)
    try:
        shown.wait_for(lambda s: s.get("settled"), "first tab drawn")
        shown.window_id = shown.xdotool("search", "--sync", "--name", "^devfiler v").splitlines()[0]
        yield shown
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture
def window(filled_store: FilledStore, tmp_path: Path) -> Iterator[Window]:
    with open_window(filled_store, tmp_path, *filled_store.range_args()) as shown:
        yield shown


def test_click_zoom_filter_and_developer_mode(window: Window) -> None:
    flame = window.state()["flamegraph"]
    assert isinstance(flame, dict)
    left, top, width, _ = flame["area"]
    # Row 2 holds the first thread's outermost frame; clicking it zooms to it.
    window.click(left + 5, top + 2 * 18 + 9)
    zoomed = window.wait_for(
        lambda s: s["flamegraph"]["x1"] - s["flamegraph"]["x0"] < 0.999, "zoom"
    )
    assert zoomed["flamegraph"]["x0"] == pytest.approx(0.0)
    window.click(left + width // 2, top + 9, repeat=2)
    window.wait_for(lambda s: s["flamegraph"]["x1"] - s["flamegraph"]["x0"] == 1.0, "reset")

    window.click(left + 5, top + 3 * 18 + 9, ctrl=True)
    sandwich = window.wait_for(lambda s: s["flamegraph"]["sandwich"], "sandwich view")
    window.wait_for(lambda s: s["settled"] and s["flamegraph"]["nodes"] > 1, "sandwich drawn")
    window.xdotool("key", "Escape")
    window.wait_for(
        lambda s: s["flamegraph"]["sandwich"] is None and s["settled"], "back from the sandwich"
    )
    assert isinstance(sandwich["flamegraph"]["sandwich"], str)

    fx, fy = flame["filter_at"]
    window.click(fx + 20, fy + 8)
    window.xdotool("type", "--delay", "40", "libc")
    typed = window.wait_for(
        lambda s: s["flamegraph"]["counter"].endswith(tuple("0123456789")), "count"
    )
    assert typed["flamegraph"]["counter"].startswith("0/")
    window.xdotool("key", "Return")
    first = window.wait_for(lambda s: s["flamegraph"]["counter"].startswith("1/"), "first match")
    assert first["flamegraph"]["x1"] - first["flamegraph"]["x0"] < 1.0

    assert "dbstats" not in window.state()["tabs"]
    tx, ty = window.state()["title_at"]
    window.click(tx + 10, ty + 6, repeat=2)
    developer = window.wait_for(lambda s: s["dev_mode"], "developer mode")
    assert "dbstats" in developer["tabs"]
