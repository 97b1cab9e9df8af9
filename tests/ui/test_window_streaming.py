"""Following the present while data streams in keeps the zoom, filters and stack shape."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from devfiler.cli import main as devfiler_main
from tests.ui.conftest import FilledStore
from tests.ui.test_window import open_window
from tests.ui.test_window_flamegraph import whole

pytestmark = pytest.mark.gui
ROW = 18


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_new_data_keeps_the_view(tmp_path: Path) -> None:
    port = free_port()
    target = f"127.0.0.1:{port}"
    empty = FilledStore(tmp_path / "data", 0, 0)
    args = ("--listen", target, "--last", "15m", "--no-auto-symbols")
    with open_window(empty, tmp_path, *args) as window:
        assert devfiler_main(["loadgen", "--target", target, "--fast", "--duration", "6"]) == 0
        first: Any = window.wait_for(
            lambda s: s["flamegraph"]["total"] > 0 and s["settled"] and not s["add_data"],
            "the first data drawn",
        )
        mx, my = first["flamegraph"]["merge_at"]
        window.click(mx + 6, my + 6)
        window.wait_for(lambda s: s["shape"]["merge_recursion"] and s["settled"], "merged")
        left, top, _, _ = first["flamegraph"]["area"]
        window.click(left + 5, top + ROW + 9)
        zoomed = window.wait_for(lambda s: not whole(s) and s["settled"], "zoomed into a thread")
        before = zoomed["flamegraph"]["total"]

        assert devfiler_main(["loadgen", "--target", target, "--fast", "--duration", "6"]) == 0
        grown = window.wait_for(
            lambda s: s["flamegraph"]["total"] > before and s["settled"], "the new data drawn"
        )
    assert not whole(grown), "the zoom was reset by new data"
    assert grown["flamegraph"]["root"] == zoomed["flamegraph"]["root"]
    assert grown["shape"]["merge_recursion"] is True
    assert grown["following"] == first["following"] and grown["following"]
