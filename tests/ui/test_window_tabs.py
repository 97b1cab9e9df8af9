"""The FlameScope, Executables, Log and developer tabs in the real window under X."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from devfiler.cli import main as devfiler_main
from devfiler.storage.tables import ALL_TABLES
from tests.ui.conftest import FilledStore, run_devfiler
from tests.ui.test_window import open_window, read_png

pytestmark = pytest.mark.gui

Check = Callable[[dict[str, object], np.ndarray], None]


def _flamescope(state: dict[str, object], image: np.ndarray) -> None:
    assert state["columns"] == 30 and float(state["peak"]) > 0  # type: ignore[arg-type]
    x, y, w, h = (int(v) for v in state["map"])  # type: ignore[attr-defined]
    cells = image[y + 2 : y + h - 2, x + 2 : x + w - 2, :3].astype(int)
    reddish = (cells[..., 0] > 150) & (cells[..., 1] < 90)
    assert np.count_nonzero(reddish) > 1000, "no hot cells in the heat map"


def _executables(state: dict[str, object], image: np.ndarray) -> None:
    assert int(state["executables"]) >= 10  # type: ignore[call-overload]
    assert any(row["file_name"] == "libc.so.6" for row in state["shown"])  # type: ignore[attr-defined,index]


def _log(state: dict[str, object], image: np.ndarray) -> None:
    assert int(state["rows"]) >= 1 and state["level"] == "Info"  # type: ignore[call-overload]


def _tracefreq(state: dict[str, object], image: np.ndarray) -> None:
    assert int(state["events"]) > 1000 and int(state["buckets"]) > 3  # type: ignore[call-overload]
    assert int(state["unique_traces"]) > 10  # type: ignore[call-overload]


def _dbstats(state: dict[str, object], image: np.ndarray) -> None:
    assert state["tables"] == len(ALL_TABLES)
    assert int(state["memtable_bytes"]) > 0  # type: ignore[call-overload]


def _nothing_more(state: dict[str, object], image: np.ndarray) -> None:
    assert isinstance(state, dict)


@pytest.mark.parametrize(
    ("tab", "dev_mode", "check"),
    [
        ("flamescope", False, _flamescope),
        ("executables", False, _executables),
        ("log", False, _log),
        ("tracefreq", True, _tracefreq),
        ("dbstats", True, _dbstats),
        ("grpc", True, _nothing_more),
    ],
)
def test_screenshot_of_each_tab(
    filled_store: FilledStore, tmp_path: Path, tab: str, dev_mode: bool, check: Check
) -> None:
    shot = tmp_path / f"{tab}.png"
    state_path = tmp_path / "state.json"
    run_devfiler(
        "--data-dir",
        str(filled_store.data_dir),
        *filled_store.range_args(),
        "--tab",
        tab,
        *(["--dev-mode"] if dev_mode else []),
        "--screenshot",
        str(shot),
        state=state_path,
    )
    image = read_png(shot)
    assert image.shape == (900, 1500, 4)
    assert len(np.unique(image[..., :3].reshape(-1, 3), axis=0)) > 50, "blank screenshot"
    shown = json.loads(state_path.read_text())
    assert shown["tab"] == tab and shown["settled"]
    check(shown[tab], image)


def test_developer_tabs_need_developer_mode(filled_store: FilledStore, tmp_path: Path) -> None:
    state_path = tmp_path / "state.json"
    run_devfiler(
        "--data-dir",
        str(filled_store.data_dir),
        *filled_store.range_args(),
        "--tab",
        "grpc",
        "--screenshot",
        str(tmp_path / "shot.png"),
        state=state_path,
    )
    shown = json.loads(state_path.read_text())
    assert shown["tab"] == "flamegraph"
    assert "grpc" not in shown["tabs"] and "flamescope" in shown["tabs"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_flamescope_drag_then_view_selection_in_flamegraph(
    filled_store: FilledStore, tmp_path: Path
) -> None:
    with open_window(
        filled_store, tmp_path, *filled_store.range_args(), "--tab", "flamescope"
    ) as window:
        scope = window.state()["flamescope"]
        assert isinstance(scope, dict)
        x, y, w, h = scope["map"]
        column = w / scope["columns"]
        # From second 3, row 20 down and across to second 5, row 80.
        start = (x + 3.5 * column, y + 20.5 * h / 100)
        end = (x + 5.5 * column, y + 80.5 * h / 100)
        window.xdotool("mousemove", "--window", window.window_id, *map(str, map(int, start)))
        time.sleep(0.2)
        window.xdotool("mousedown", "1")
        for step in range(1, 6):
            time.sleep(0.1)
            px = start[0] + (end[0] - start[0]) * step / 5
            py = start[1] + (end[1] - start[1]) * step / 5
            window.xdotool("mousemove", "--window", window.window_id, str(int(px)), str(int(py)))
        time.sleep(0.2)
        window.xdotool("mouseup", "1")
        # A loaded machine draws fewer frames than there were moves: until the
        # release is seen the span follows an earlier move.
        dragged = window.wait_for(
            lambda s: s["flamescope"]["span"] is not None and not s["flamescope"]["dragging"],
            "the drag released",
        )
        origin = scope["origin_ns"]
        span_start, span_end = dragged["flamescope"]["span"]  # type: ignore[index]
        assert span_start == origin + 3 * 10**9 + 20 * 10**7
        assert span_end == origin + 5 * 10**9 + 81 * 10**7

        window.click(x + 7.5 * column, y + h / 2, repeat=2)
        second = window.wait_for(
            lambda s: s["flamescope"]["span"] == [origin + 7 * 10**9, origin + 8 * 10**9],
            "one second selected",
        )
        vx, vy = second["flamescope"]["view_at"]  # type: ignore[index]
        window.click(vx + 20, vy + 8)
        flame = window.wait_for(
            lambda s: s["tab"] == "flamegraph" and s["settled"], "flamegraph of the span"
        )
        assert flame["time_range"] == [origin + 7 * 10**9, origin + 8 * 10**9]
        assert flame["following"] is None


@pytest.mark.parametrize("confirm", ["ok", "enter"])
def test_add_an_executable_through_the_dialog(
    filled_store: FilledStore, tmp_path: Path, gcc: str, confirm: str
) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    source = folder / "answer.c"
    source.write_text(
        "int answer(int x) { return 2 * x; }\nint main(void) { return answer(21); }\n"
    )
    subprocess.run([gcc, "-g", "-O1", "-o", str(folder / "answer"), str(source)], check=True)
    with open_window(
        filled_store, tmp_path, *filled_store.range_args(), "--tab", "executables", cwd=folder
    ) as window:
        drawn = window.wait_for(lambda s: s["executables"]["add_at"], "add button drawn")
        ax, ay = drawn["executables"]["add_at"]  # type: ignore[index]
        window.click(ax + 20, ay + 8)
        # The dialog is reported once it has been drawn where it stays.
        opened = window.wait_for(lambda s: s["executables"]["dialog"] is not None, "dialog")
        dx, dy, _, dh = opened["executables"]["dialog"]  # type: ignore[index]
        # The file name field sits above the OK button at the dialog's bottom left
        # (they are drawn by the dialog itself, not items with rectangles of their own).
        window.click(dx + 150, dy + dh - 44)
        # Dear PyGui takes input once per frame: give the field a few frames to
        # take the focus before the keys come, and the text before OK is clicked.
        time.sleep(0.5)
        window.xdotool("type", "--delay", "40", "answer")
        time.sleep(0.5)
        if confirm == "enter":
            window.xdotool("key", "Return")
        else:
            window.click(dx + 20, dy + dh - 18)
        done = window.wait_for(
            lambda s: any(
                row["file_name"] == "answer" and row["state"] == "symbolized"
                for row in s["executables"]["shown"]
            ),
            "answer symbolized",
        )
        assert done["executables"]["executables"] > 0
        window.wait_for(lambda s: s["executables"]["dialog"] is None, "the dialog closed")


def test_grpc_tab_lists_requests_and_opens_one(filled_store: FilledStore, tmp_path: Path) -> None:
    port = _free_port()
    with open_window(
        filled_store,
        tmp_path,
        *filled_store.range_args(),
        "--listen",
        f"127.0.0.1:{port}",
        "--dev-mode",
        "--tab",
        "grpc",
    ) as window:
        status = devfiler_main(
            ["loadgen", "--target", f"127.0.0.1:{port}", "--fast", "--duration", "3"]
        )
        assert status == 0
        # The row's position is reported once a frame has drawn it.
        listed = window.wait_for(
            lambda s: s["grpc"]["requests"] > 0 and s["grpc"]["first_row_at"], "requests"
        )
        rx, ry = listed["grpc"]["first_row_at"]  # type: ignore[index]
        window.click(rx + 240, ry + 7)
        opened = window.wait_for(lambda s: s["grpc"]["tree_for"] is not None, "payload tree")
        assert opened["grpc"]["selected"] == opened["grpc"]["tree_for"]
