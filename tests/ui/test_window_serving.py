"""What the window does as the store's owner: retention and summaries (DB stats) and
forwarding (gRPC)."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from devfiler.config import data_paths
from devfiler.storage.store import Store
from tests.analysis.stores import MAIN, S1, S2, SECOND, WORKER, Event, batch_of
from tests.ui.conftest import run_devfiler

pytestmark = pytest.mark.gui

DAY = 86400 * SECOND


def developer_tab(tmp_path: Path, tab: str, *flags: str) -> dict[str, Any]:
    """What developer mode's `tab` shows once settled, over the store in tmp_path/data."""
    state_path = tmp_path / "state.json"
    run_devfiler(
        "--data-dir",
        str(tmp_path / "data"),
        "--dev-mode",
        "--tab",
        tab,
        *flags,
        "--screenshot",
        str(tmp_path / f"{tab}.png"),
        state=state_path,
    )
    shown: dict[str, Any] = json.loads(state_path.read_text())[tab]
    return shown


def test_dbstats_shows_the_bounds_and_what_the_first_pass_deleted(tmp_path: Path) -> None:
    now = time.time_ns()
    with Store.open(data_paths(tmp_path / "data")) as store:
        store.write(batch_of([Event(now - 10 * DAY + i * SECOND, S1, WORKER) for i in range(6)]))
        store.write(batch_of([Event(now - 60 * SECOND + i * SECOND, S2, MAIN) for i in range(4)]))
    shown = developer_tab(tmp_path, "dbstats", "--retention", "3d", "--max-disk", "2GiB")
    lines = shown["retention"]
    assert lines[0].startswith("Retention: keep 3d, at most 2.0 GiB; the store takes ")
    assert "deleted 6 events before" in lines[1]
    assert "(age bound), then 1 traces, 1 frames and 1 contexts no event uses" in lines[1]
    assert lines[2] == "Passes since start: 1, deleting 6 events in all."
    with Store.open(data_paths(tmp_path / "data")) as store:
        left = store.read_events(-(1 << 63), (1 << 63) - 1)
        assert len(left) == 4


def test_dbstats_shows_what_the_summary_job_built(tmp_path: Path) -> None:
    """Events of two hours ago are settled: their 10 minutes and hour are summarized."""
    then = time.time_ns() - 2 * 3600 * SECOND
    then -= then % (600 * SECOND)
    with Store.open(data_paths(tmp_path / "data")) as store:
        store.write(batch_of([Event(then + i * SECOND, S1, WORKER) for i in range(6)]))
    lines = developer_tab(tmp_path, "dbstats")["summaries"]
    assert lines[0].endswith(" of a day, 1 of an hour, 1 of 10 minutes.")
    assert lines[1].startswith("Passes since start: 1; the last built ")


def test_grpc_tab_shows_each_forwarding_downstream(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    forward = ("--forward", f"127.0.0.1:{port}", "--forward", "[::1]:4317", "--forward-insecure")
    shown = developer_tab(tmp_path, "grpc", *forward)["forwarding"]
    assert shown == [
        f"Forwarding to 127.0.0.1:{port} (plaintext): 0 sent, 0 waiting (0 bytes), 0 dropped.",
        "Forwarding to [::1]:4317 (plaintext): 0 sent, 0 waiting (0 bytes), 0 dropped.",
    ]
