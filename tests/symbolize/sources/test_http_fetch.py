"""Downloads from a real HTTP server on loopback: every failure is one of three kinds,
and nothing incomplete is left at the destination."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devfiler.symbolize.sources.http_fetch import (
    FetchError,
    FetchLimits,
    NotFoundError,
    TemporaryFetchError,
    fetch_bytes,
    fetch_to_file,
)
from tests.symbolize.symbol_servers import free_port

BODY = bytes(range(256)) * 8


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/stall":
            time.sleep(1.0)
        if self.path in ("/ok", "/stall"):
            self._answer(200, BODY)
        elif self.path == "/short":
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY) * 2))
            self.end_headers()
            self.wfile.write(BODY)
            self.close_connection = True
        elif self.path == "/unsized":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(BODY)
            self.close_connection = True
        elif self.path.startswith("/status/"):
            self._answer(int(self.path.rsplit("/", 1)[1]), b"x")
        else:
            self._answer(404, b"")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


LIMITS = FetchLimits(max_bytes=1 << 20, timeout_s=5.0, total_s=30.0)


def test_a_complete_download_lands_at_its_destination(url: str, tmp_path: Path) -> None:
    target = tmp_path / "d" / "file"
    assert fetch_to_file(f"{url}/ok", target, LIMITS) == target
    assert target.read_bytes() == BODY
    assert fetch_bytes(f"{url}/unsized", LIMITS) == BODY
    assert [p.name for p in target.parent.iterdir()] == ["file"]


@pytest.mark.parametrize(
    ("path", "kind", "limits"),
    [
        ("/missing", NotFoundError, LIMITS),
        ("/status/410", NotFoundError, LIMITS),
        ("/status/403", NotFoundError, LIMITS),
        ("/status/500", TemporaryFetchError, LIMITS),
        ("/status/503", TemporaryFetchError, LIMITS),
        ("/status/429", TemporaryFetchError, LIMITS),
        ("/short", TemporaryFetchError, LIMITS),
        ("/stall", TemporaryFetchError, FetchLimits(timeout_s=0.2)),
        ("/ok", FetchError, FetchLimits(max_bytes=100)),
        ("/unsized", FetchError, FetchLimits(max_bytes=100)),
    ],
)
def test_failures_are_sorted_and_leave_nothing_behind(
    url: str, tmp_path: Path, path: str, kind: type[FetchError], limits: FetchLimits
) -> None:
    target = tmp_path / "file"
    with pytest.raises(FetchError) as raised:
        fetch_to_file(f"{url}{path}", target, limits)
    assert type(raised.value) is kind
    assert url in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_refused_connections_and_cancelling_are_temporary(url: str, tmp_path: Path) -> None:
    with pytest.raises(TemporaryFetchError):
        fetch_bytes(f"http://127.0.0.1:{free_port()}/x", LIMITS)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(TemporaryFetchError, match="cancelled"):
        fetch_to_file(f"{url}/ok", tmp_path / "file", LIMITS, cancel)
    with pytest.raises(FetchError):
        fetch_bytes("notaurl", LIMITS)
