"""`devfiler collector` as a real process keeps its peak memory under 1.5 GB through every bomb."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from devfiler.collector.server import EXPORT_METHOD
from tests.collector.bombs import BOMBS
from tests.commands.test_collector import start

PEAK_BYTES = 1536 << 20


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@pytest.mark.slow
def test_bombs_stay_within_the_memory_goal(tmp_path: Path) -> None:
    running = start(tmp_path, "collector", "--no-auto-symbols")
    try:
        with running.channel() as channel:
            export_raw = channel.unary_unary(EXPORT_METHOD)
            for name, payload, _ in BOMBS:
                with pytest.raises(grpc.RpcError) as refused:
                    export_raw(payload, timeout=30)
                assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED, name
                peak = peak_rss(running.process.pid)
                print(f"{name}: collector peak RSS so far {peak / 2**20:.0f} MiB")
                assert peak <= PEAK_BYTES, name
    finally:
        running.stop()
