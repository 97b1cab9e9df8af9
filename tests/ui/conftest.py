"""Window tests: a store the synthetic agent filled over loopback gRPC; running `devfiler`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from devfiler.cli import main as devfiler_main
from devfiler.collector.server import Collector
from devfiler.config import data_paths
from devfiler.storage.store import Store

NS = 1_000_000_000
DURATION_S = 30


@dataclass(frozen=True, slots=True)
class FilledStore:
    data_dir: Path
    start_ns: int
    end_ns: int

    def range_args(self) -> list[str]:
        return ["--start", str(self.start_ns), "--end", str(self.end_ns)]


@pytest.fixture(scope="session")
def filled_store(tmp_path_factory: pytest.TempPathFactory) -> FilledStore:
    """30 s of the synthetic agent, sent to a real collector on a loopback port."""
    data_dir = tmp_path_factory.mktemp("store")
    start_ns = (time.time_ns() // NS - 120) * NS
    store = Store.open(data_paths(data_dir))
    collector = Collector(store)
    address = collector.start("127.0.0.1:0")
    try:
        status = devfiler_main(
            [
                "loadgen",
                "--target",
                address,
                "--fast",
                "--duration",
                str(DURATION_S),
                "--start-time",
                str(start_ns),
            ]
        )
        assert status == 0
    finally:
        collector.stop(5.0)
        store.close()
    return FilledStore(data_dir, start_ns, start_ns + DURATION_S * NS)


def devfiler_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "devfiler.cli", "--listen", "127.0.0.1:0", *args]


def run_devfiler(*args: str, state: Path | None = None, timeout: float = 180) -> None:
    env = dict(os.environ)
    if state is not None:
        env["DEVFILER_UI_STATE"] = str(state)
    done = subprocess.run(
        devfiler_command(*args),
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
