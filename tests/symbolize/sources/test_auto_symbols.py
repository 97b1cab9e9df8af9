"""The background worker: bounded concurrency, sources that blow up, retry delays, and
`devfiler collector` fetching symbols for what its agent reports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from devfiler.config import DataPaths
from devfiler.loadgen.params import LoadParams, RealExecutable
from devfiler.loadgen.requests import generate
from devfiler.loadgen.sender import Outgoing, send
from devfiler.model import Executable, FileId
from devfiler.retry import RetryPolicy
from devfiler.symbolize.formats.fileid import file_id_of_path
from devfiler.symbolize.sources.auto_symbols import AutoSymbols
from devfiler.symbolize.sources.source import Attempt, Result
from devfiler.symbolize.sources.symbol_chain import SymbolChain
from devfiler.symbolize.store.symbol_store import SymbolState, SymbolStore
from tests.symbolize.programs_build import compile_program, function_address
from tests.symbolize.symbol_servers import free_port, wait_for


class _SlowNotFound:
    """A source that holds each executable a moment and counts how many it holds at once."""

    name = "slow"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def attempt(
        self,
        store: SymbolStore,
        executable: Executable,
        known: Sequence[Executable],
        cancel: threading.Event,
    ) -> Attempt:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        cancel.wait(0.05)
        with self.lock:
            self.now -= 1
        if executable.file_id.value % 2:
            raise RuntimeError("hostile answer")
        return Attempt(self.name, Result.NOT_FOUND)


def test_fetches_are_bounded_and_a_failing_source_ends_as_a_status(tmp_path: Path) -> None:
    store = SymbolStore(tmp_path / "symbols")
    source = _SlowNotFound()
    reported = [Executable(FileId(i + 1), f"lib{i}.so") for i in range(12)]
    worker = AutoSymbols(SymbolChain(store, [source]), lambda: reported, 3, poll_seconds=0.05)
    worker.start()
    try:
        wait_for(lambda: worker.progress().finished == 12, "all 12 executables attempted")
    finally:
        worker.stop()
    assert source.most == 3
    states = [store.status(e.file_id) for e in reported]
    assert [s.state for s in states[1::2]] == [SymbolState.NO_SYMBOLS] * 6
    assert all(s.state is SymbolState.ERROR for s in states[0::2])
    assert "RuntimeError: hostile answer" in states[0].message
    assert worker.progress().symbolized == 0


def test_retry_delays_double_up_to_a_limit() -> None:
    policy = RetryPolicy()
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [30.0, 60.0, 120.0, 240.0]
    assert policy.delay(50) == 3600.0


def test_the_collector_command_symbolizes_reported_executables(gcc: str, tmp_path: Path) -> None:
    binary = compile_program(gcc, tmp_path / "bin", "served", 6, "-g")
    # The agent's path does not exist here: only --symbols-dir has a copy.
    elsewhere = tmp_path / "symbols-dir" / "nested"
    elsewhere.mkdir(parents=True)
    (elsewhere / "served").write_bytes(binary.read_bytes())
    paths = DataPaths(tmp_path / "data")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DEBUGINFOD_URLS"}
    env["PYTHONFAULTHANDLER"] = "1"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devfiler.cli",
            "collector",
            "--listen",
            f"127.0.0.1:{port}",
            "--data-dir",
            str(paths.root),
            "--symbols-dir",
            str(tmp_path / "symbols-dir"),
            "--max-fetches",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert "listening on" in process.stdout.readline()
        params = LoadParams(
            start_ns=time.time_ns(),
            rate=200.0,
            duration_s=1.0,
            processes=2,
            threads=1,
            real_executables=(RealExecutable(binary, (function_address(binary, "main"),)),),
        )
        items = [Outgoing(b.request.SerializeToString(), 0.0, b.events) for b in generate(params)]
        binary.unlink()
        send(f"127.0.0.1:{port}", items, paced=False)
        symbols = SymbolStore(paths.symbols)
        file_id = file_id_of_path(elsewhere / "served")
        wait_for(
            lambda: symbols.status(file_id).state is SymbolState.SYMBOLIZED,
            "the collector symbolized the reported executable from --symbols-dir",
        )
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            # PYTHONFAULTHANDLER makes SIGABRT print every thread's stack: say where it hung.
            process.send_signal(signal.SIGABRT)
            _, stderr = process.communicate(timeout=30)
            raise AssertionError(f"the collector did not stop on SIGTERM:\n{stderr}") from None
    assert process.returncode == 0, stderr
    assert f"local file {elsewhere / 'served'}: symbolized" in stderr
