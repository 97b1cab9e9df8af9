"""Real servers on loopback for the automatic-symbols tests: a static HTTP server with
scripted failures (symbol endpoint), a `debuginfod` process, and the synthetic agent
sending real executables into a real collector."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar

import pytest

from devfiler.collector.server import Collector
from devfiler.loadgen.params import LoadParams, RealExecutable
from devfiler.loadgen.requests import generate
from devfiler.loadgen.sender import Outgoing, send
from devfiler.storage.store import Store

T = TypeVar("T")


@dataclass
class Script:
    """What the HTTP server answers besides the files under its root."""

    failures: dict[str, list[int]] = field(default_factory=dict)
    """URL path -> statuses to answer (in order) before serving the file."""
    bodies: dict[str, bytes] = field(default_factory=dict)
    """URL path -> body served instead of the file."""
    log: list[tuple[str, int]] = field(default_factory=list)
    """(path, status) of every request."""

    def statuses(self, suffix: str) -> list[int]:
        return [status for path, status in self.log if path.endswith(suffix)]


@contextmanager
def http_server(root: Path, script: Script) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with lock:
                queued = script.failures.get(self.path)
                status = queued.pop(0) if queued else 0
            body = script.bodies.get(self.path)
            target = root / self.path.lstrip("/")
            if not status:
                if body is None and target.is_file():
                    body = target.read_bytes()
                status = 200 if body is not None else 404
            with lock:
                script.log.append((self.path, status))
            payload = body if status == 200 and body is not None else b"no\n"
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def debuginfod_server(folder: Path, work: Path, ready_build_id: str) -> Iterator[str]:
    """A real `debuginfod -F folder` on a free loopback port, once it serves
    `ready_build_id`; skips when the program is missing or cannot start."""
    program = shutil.which("debuginfod")
    if program is None:
        pytest.skip("debuginfod is not installed (Debian: apt-get install debuginfod)")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DEBUGINFOD_URLS"}
    log = open(work / "debuginfod.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [program, "-F", str(folder), "-p", str(port), "-d", str(work / "index.sqlite")],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=work,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        if not _wait_until_served(f"{url}/buildid/{ready_build_id}/executable", process):
            pytest.skip(f"debuginfod did not start: {(work / 'debuginfod.log').read_text()[-500:]}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_served(url: str, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    return False


def wait_for(condition: Callable[[], T], what: str, timeout: float = 60.0) -> T:
    """Poll until `condition()` is truthy; fail naming `what` when it never is."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


def report_executables(store: Store, reals: tuple[RealExecutable, ...]) -> None:
    """The synthetic agent reports `reals` (one process each, with its path) to a real
    collector on loopback that writes into `store`."""
    collector = Collector(store)
    collector.start("127.0.0.1:0")
    try:
        params = LoadParams(
            start_ns=1_700_000_000_000_000_000,
            seed=3,
            rate=300.0,
            duration_s=1.0,
            processes=len(reals) + 1,
            threads=1,
            real_executables=reals,
        )
        items = [Outgoing(b.request.SerializeToString(), 0.0, b.events) for b in generate(params)]
        send(f"127.0.0.1:{collector.port}", items, paced=False)
    finally:
        collector.stop(grace=5)
