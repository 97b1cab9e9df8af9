"""`devfiler collector` as a real process: stops cleanly, and kill -9 loses nothing acknowledged."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceRequest,
)
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2_grpc import (
    ProfilesServiceStub,
)

from devfiler.cli import build_parser
from devfiler.commands.serve_args import retention_policy
from devfiler.config import data_paths
from devfiler.model import SampleKind
from devfiler.storage.store import Store
from tests.analysis.stores import MAIN, S1, S2, SECOND, WORKER, Event, batch_of
from tests.collector.sent_requests import (
    ALL_TIME,
    BASE_NS,
    agent_request,
    assert_stored_exactly,
    expected_events,
)

DEVFILER = [sys.executable, "-m", "devfiler.cli"]
REPORT_NS = 5_000_000_000
DAY = 86400 * SECOND


@dataclass
class RunningCollector:
    process: subprocess.Popen[str]
    port: int
    data_dir: Path
    log: Path

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(f"127.0.0.1:{self.port}", compression=grpc.Compression.Gzip)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def launch(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    with (tmp_path / "collector.log").open("a") as log:
        return subprocess.Popen(
            [*DEVFILER, *args, "--data-dir", str(tmp_path / "data")],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=env,
        )


def start(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> RunningCollector:
    """Start `devfiler ARGS` listening on a free loopback port; read the port it prints."""
    process = launch(tmp_path, *args, "--listen", "127.0.0.1:0", env=env)
    assert process.stdout is not None
    line = process.stdout.readline()
    log = tmp_path / "collector.log"
    match = re.search(r"listening on 127\.0\.0\.1:(\d+), storing into (.+)$", line)
    assert match, f"unexpected first line {line!r}; log: {log.read_text()}"
    assert Path(match.group(2)) == tmp_path / "data"
    return RunningCollector(process, int(match.group(1)), tmp_path / "data", log)


NO_RETENTION = ("--retention", "off")
"""The requests carry 2023 timestamps, which a 7-day retention would delete."""


@pytest.fixture
def running(tmp_path: Path) -> Iterator[RunningCollector]:
    collector = start(tmp_path, "collector", *NO_RETENTION)
    yield collector
    collector.stop()


def reports(count: int, occurrences: int = 5) -> list[ExportProfilesServiceRequest]:
    """`count` consecutive 5 s reports; their timestamps never overlap."""
    return [agent_request(BASE_NS + i * REPORT_NS, occurrences) for i in range(count)]


def stored_whole(store: Store, requests: list[ExportProfilesServiceRequest]) -> list[int]:
    """Indices of the requests whose events are in the store; fails on a partly stored one."""
    stored = set(store.read_events(*ALL_TIME).timestamps.tolist())
    whole = []
    for i, request in enumerate(requests):
        stamps = {event.timestamp for event in expected_events(request)}
        present = len(stamps & stored)
        assert present in (0, len(stamps)), f"request {i} is stored in part"
        if present:
            whole.append(i)
    return whole


def test_sigterm_finishes_and_stores_requests_in_flight(running: RunningCollector) -> None:
    """Requests the server has begun are answered and stored; the rest are refused, not lost.

    gRPC cancels calls that reached the server but were not yet handed to a
    handler when it shuts down: the agent sees the error, and nothing of them
    is stored.
    """
    requests = reports(8, occurrences=20_000)
    with running.channel() as channel:
        export = ProfilesServiceStub(channel).Export
        futures = [export.future(request) for request in requests]
        futures[0].result()
        running.process.send_signal(signal.SIGTERM)
        acknowledged = [i for i, future in enumerate(futures) if future.exception() is None]
    assert running.process.wait(timeout=120) == 0
    with Store.open(data_paths(running.data_dir)) as store:
        assert stored_whole(store, requests) == acknowledged
        assert_stored_exactly(store, [requests[i] for i in acknowledged])
    assert f"stopped after {len(acknowledged)} requests" in running.log.read_text()


def test_kill_9_keeps_every_acknowledged_request(running: RunningCollector) -> None:
    requests = reports(6)
    with running.channel() as channel:
        export = ProfilesServiceStub(channel).Export
        for request in requests:
            export(request)
    running.process.kill()
    running.process.wait()
    with Store.open(data_paths(running.data_dir)) as store:
        assert_stored_exactly(store, requests)


def test_kill_9_during_ingest_stores_requests_whole_or_not_at_all(
    running: RunningCollector,
) -> None:
    requests = reports(12, occurrences=20_000)
    with running.channel() as channel:
        export = ProfilesServiceStub(channel).Export
        futures = [export.future(request) for request in requests]
        futures[2].result()
        running.process.kill()
        acknowledged = [i for i, future in enumerate(futures) if future.exception() is None]
    running.process.wait()
    with Store.open(data_paths(running.data_dir)) as store:
        whole = stored_whole(store, requests)
        assert set(acknowledged) <= set(whole)
        assert_stored_exactly(store, [requests[i] for i in whole])


def test_second_collector_on_the_same_data_dir_says_it_is_in_use(
    running: RunningCollector, tmp_path: Path
) -> None:
    second = launch(tmp_path, "collector", "--listen", "127.0.0.1:0")
    assert second.wait(timeout=60) == 1
    assert "in use by another devfiler process" in running.log.read_text()


def test_unusable_listen_address_is_reported(tmp_path: Path) -> None:
    process = launch(tmp_path, "collector", "--listen", "localhost")
    assert process.wait(timeout=60) == 1
    assert "--listen 'localhost' is not HOST:PORT" in (tmp_path / "collector.log").read_text()


def test_collector_only_spelling_runs_until_sigint(tmp_path: Path) -> None:
    collector = start(tmp_path, "--collector-only", *NO_RETENTION)
    try:
        requests = reports(2)
        with collector.channel() as channel:
            for request in requests:
                ProfilesServiceStub(channel).Export(request)
        collector.process.send_signal(signal.SIGINT)
        assert collector.process.wait(timeout=120) == 0
    finally:
        collector.stop()
    with Store.open(data_paths(collector.data_dir)) as store:
        assert_stored_exactly(store, requests)


def test_the_collector_applies_retention_and_logs_it(tmp_path: Path) -> None:
    """By default (7 days) the collector deletes older data as it starts, while it serves."""
    now = time.time_ns()
    with Store.open(data_paths(tmp_path / "data")) as store:
        store.write(batch_of([Event(now - 8 * DAY + i * SECOND, S1, WORKER) for i in range(6)]))
        store.write(batch_of([Event(now - 60 * SECOND + i * SECOND, S2, MAIN) for i in range(4)]))
    collector = start(tmp_path, "collector", "--max-disk", "1GiB")
    try:
        deadline = time.monotonic() + 60
        while "retention: deleted" not in collector.log.read_text():
            assert time.monotonic() < deadline, collector.log.read_text()
            time.sleep(0.1)
        stats = json.loads(query(collector.data_dir, "stats", "--json"))
        assert stats["events"]["on_cpu"] == 4
        assert stats["traces"] == 1
        collector.process.send_signal(signal.SIGTERM)
        assert collector.process.wait(timeout=120) == 0
    finally:
        collector.stop()
    log = collector.log.read_text()
    assert "retention: keep 7d, at most 1.0 GiB" in log
    assert "retention: deleted 6 events before" in log
    assert "(age bound), then 1 traces, 1 frames and 1 contexts no event uses" in log


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--retention", "soon"], "argument --retention: duration 'soon' is not like 15m"),
        (["--retention", "0d"], "argument --retention: '0d' must be more than 0, or off"),
        (["--max-disk", "lots"], "argument --max-disk: size 'lots' is not like 10GiB"),
    ],
)
def test_bad_bounds_are_refused_with_what_is_expected(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["collector", *argv])
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "age", "disk"),
    [
        ([], 7 * DAY, 10 << 30),
        (["collector"], 7 * DAY, 10 << 30),
        (["--retention", "36h", "collector"], 36 * 3600 * SECOND, 10 << 30),
        (["collector", "--retention", "off", "--max-disk", "500MiB"], None, 500 << 20),
        (["--max-disk", "off"], 7 * DAY, None),
    ],
)
def test_bounds_before_or_after_the_command_with_their_defaults(
    argv: list[str], age: int | None, disk: int | None
) -> None:
    policy = retention_policy(build_parser().parse_args(argv))
    assert (policy.max_age_ns, policy.max_disk_bytes) == (age, disk)


def query(data_dir: Path, *args: str) -> str:
    done = subprocess.run(
        [*DEVFILER, "query", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def expected_collapsed(requests: list[ExportProfilesServiceRequest], kind: SampleKind) -> str:
    weights: Counter[str] = Counter()
    for request in requests:
        for event in expected_events(request):
            if event.kind is kind:
                weights[event.collapsed] += event.weight
    lines = sorted(weights.items(), key=lambda item: (-item[1], item[0]))
    return "".join(f"{text} {weight}\n" for text, weight in lines)


def test_queries_read_what_the_running_collector_stored(running: RunningCollector) -> None:
    """Stats and collapsed stacks match what was sent, read while the collector runs.

    Traces are the distinct stacks events use; frames the distinct frames in
    them, native ones included.
    """
    requests = reports(3)
    with running.channel() as channel:
        for request in requests:
            ProfilesServiceStub(channel).Export(request)
    events = [event for request in requests for event in expected_events(request)]
    stats = json.loads(query(running.data_dir, "stats", "--json"))
    stacks = {(e.collapsed.partition(";")[2], e.kinds) for e in events}
    frames = {text for stack, _ in stacks for text in stack.split(";")}
    on_cpu = [e for e in events if e.kind is SampleKind.ON_CPU]
    off_cpu = [e for e in events if e.kind is SampleKind.OFF_CPU]
    assert stats == {
        "events": {"on_cpu": len(on_cpu), "off_cpu": len(off_cpu), "uprobe": 0, "unknown": 0},
        "weight": {
            "on_cpu": len(on_cpu),
            "off_cpu_ns": sum(e.weight for e in off_cpu),
            "uprobe": 0,
            "unknown": 0,
        },
        "traces": len(stacks),
        "frames": len(frames),
        "executables": 2,
        "first_ts": min(e.timestamp for e in events),
        "last_ts": max(e.timestamp for e in events),
    }
    for kind in (SampleKind.ON_CPU, SampleKind.OFF_CPU):
        collapsed = query(running.data_dir, "traces", "--collapsed", "--kind", kind.cli_name)
        assert collapsed == expected_collapsed(requests, kind)


@pytest.mark.parametrize(
    ("argv", "listen", "data_dir"),
    [
        (["collector"], "127.0.0.1:11000", None),
        (["collector", "--listen", "0.0.0.0:11000"], "0.0.0.0:11000", None),
        (["collector", "--listen", "[::1]:0", "--data-dir", "D"], "[::1]:0", "D"),
        (["--listen", "127.0.0.1:1", "--data-dir", "D", "collector"], "127.0.0.1:1", "D"),
        (["--collector-only", "--listen", "127.0.0.1:1"], "127.0.0.1:1", None),
    ],
)
def test_flags_may_come_before_or_after_the_command(
    argv: list[str], listen: str, data_dir: str | None
) -> None:
    args = build_parser().parse_args(argv)
    assert (args.listen, args.data_dir) == (listen, data_dir)
