"""Delivery over real gRPC into a real collector and store, and into files."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceRequest,
)

from devfiler.collector.server import Collector
from devfiler.commands import loadgen as loadgen_command
from devfiler.loadgen.requests import Batch
from devfiler.loadgen.sender import Outgoing, SendError, send, write_files
from devfiler.storage.store import Store
from tests.loadgen.requests_view import START_NS, batches, small_params

ALL_TIME = (-(1 << 63), (1 << 63) - 1)


def _items(run: list[Batch]) -> list[Outgoing]:
    return [Outgoing(b.request.SerializeToString(), 0.0, b.events) for b in run]


def test_fast_sending_stores_every_sample(collector: Collector, store: Store) -> None:
    run = batches(small_params())
    report = send(f"127.0.0.1:{collector.port}", _items(run), paced=False, concurrency=3)
    assert report.requests == len(run)
    assert report.events == sum(b.events for b in run) == 48_000
    assert report.rejected_profiles == 0
    assert collector.stats().samples == report.events
    assert len(store.read_events(*ALL_TIME)) == report.events


def test_paced_sending_waits_for_each_window_to_close(collector: Collector) -> None:
    run = batches(small_params(duration_s=0.3))
    items = [Outgoing(i.payload, 0.3, i.events) for i in _items(run)]
    report = send(f"127.0.0.1:{collector.port}", items, paced=True)
    assert report.elapsed_s >= 0.3
    assert collector.stats().samples == report.events > 0


def test_a_refused_request_is_reported(collector: Collector) -> None:
    garbage = Outgoing(b"\x0a\x05\xff\xff", 0.0, 1)
    with pytest.raises(SendError, match="INVALID_ARGUMENT"):
        send(f"127.0.0.1:{collector.port}", [garbage], paced=False)


def test_an_absent_collector_is_reported() -> None:
    run = batches(small_params(duration_s=1.0))
    with pytest.raises(SendError, match="UNAVAILABLE"):
        send("127.0.0.1:1", _items(run), paced=False, timeout_s=5)


def test_files_hold_the_same_requests(tmp_path: Path) -> None:
    run = batches(small_params())
    report = write_files(tmp_path / "out", _items(run))
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == [f"{i:06d}.pb" for i in range(1, len(run) + 1)]
    assert [ExportProfilesServiceRequest.FromString(f.read_bytes()) for f in files] == [
        b.request for b in run
    ]
    assert report.events == sum(b.events for b in run)


def _command(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    loadgen_command.register(parser.add_subparsers())
    args = parser.parse_args(["loadgen", *argv])
    result: int = args.run(args)
    return result


def test_command_writes_what_the_library_builds(tmp_path: Path) -> None:
    argv = ["--seed", "7", "--rate", "4000", "--duration", "12", "--processes", "13"]
    argv += ["--threads", "4", "--start-time", str(START_NS), "--out", str(tmp_path / "out")]
    assert _command(*argv) == 0
    written = [f.read_bytes() for f in sorted((tmp_path / "out").iterdir())]
    assert written == [b.request.SerializeToString() for b in batches(small_params())]


def test_command_sends_to_a_collector(collector: Collector, store: Store) -> None:
    target = f"127.0.0.1:{collector.port}"
    argv = ["--target", target, "--fast", "--duration", "10", "--rate", "500"]
    assert _command(*argv, "--kinds", "off_cpu", "--start-time", "2024-05-01T12:00:00Z") == 0
    events = store.read_events(*ALL_TIME)
    assert len(events) == 5000
    assert events.timestamps.min() >= 1_714_564_800_000_000_000


def test_command_refuses_bad_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    assert _command("--kinds", "on_cpu,wall", "--out", "unused") == 2
    assert "unknown sample kind 'wall'" in capsys.readouterr().err
