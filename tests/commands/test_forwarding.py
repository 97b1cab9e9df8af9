"""`devfiler collector --forward` and `--tls-cert` as real processes: one devfiler
forwards to another, in plaintext and over TLS."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2_grpc import (
    ProfilesServiceStub,
)

from devfiler.cli import build_parser, main
from devfiler.commands.serve_args import forwarders
from tests.collector.sent_requests import expected_events
from tests.commands.test_collector import (
    NO_RETENTION,
    RunningCollector,
    query,
    reports,
    start,
)
from tests.conftest import Certificate


def stored_events(data_dir: Path) -> int:
    return sum(json.loads(query(data_dir, "stats", "--json"))["events"].values())


def send(collector: RunningCollector, count: int) -> int:
    """Send `count` reports as the agent does; the number of events they hold."""
    requests = reports(count)
    with collector.channel() as channel:
        for request in requests:
            ProfilesServiceStub(channel).Export(request)
    return sum(len(expected_events(request)) for request in requests)


def wait_until_stored(collector: RunningCollector, events: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while stored_events(collector.data_dir) < events:
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def stop_with_sigterm(collector: RunningCollector) -> None:
    collector.process.send_signal(signal.SIGTERM)
    assert collector.process.wait(timeout=120) == 0


def test_a_collector_forwards_what_it_accepts_to_a_second_collector(tmp_path: Path) -> None:
    (tmp_path / "downstream").mkdir()
    (tmp_path / "upstream").mkdir()
    downstream = start(tmp_path / "downstream", "collector", *NO_RETENTION)
    upstream = start(
        tmp_path / "upstream",
        "collector",
        *NO_RETENTION,
        "--forward",
        f"127.0.0.1:{downstream.port}",
        "--forward-insecure",
    )
    try:
        wait_until_stored(downstream, send(upstream, 3), downstream.log)
        for kind in ("on_cpu", "off_cpu"):
            assert query(downstream.data_dir, "traces", "--collapsed", "--kind", kind) == query(
                upstream.data_dir, "traces", "--collapsed", "--kind", kind
            )
        stop_with_sigterm(upstream)
    finally:
        upstream.stop()
        downstream.stop()
    log = upstream.log.read_text()
    assert f"forwarding accepted requests to 127.0.0.1:{downstream.port} (plaintext)" in log
    assert "not sent at shutdown" not in log


def test_tls_from_end_to_end_a_collector_forwards_to_one_serving_tls(
    tmp_path: Path, self_signed: Certificate
) -> None:
    """The downstream serves TLS; the upstream verifies it against the CA file gRPC is given."""
    (tmp_path / "downstream").mkdir()
    (tmp_path / "upstream").mkdir()
    tls = ("--tls-cert", str(self_signed.cert), "--tls-key", str(self_signed.key))
    downstream = start(tmp_path / "downstream", "collector", *NO_RETENTION, *tls)
    trusting = {**os.environ, "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": str(self_signed.cert)}
    target = f"localhost:{downstream.port}"
    upstream = start(
        tmp_path / "upstream", "collector", *NO_RETENTION, "--forward", target, env=trusting
    )
    try:
        wait_until_stored(downstream, send(upstream, 2), upstream.log)
    finally:
        upstream.stop()
        downstream.stop()
    assert "collector listening on 127.0.0.1:" in downstream.log.read_text()
    assert "(TLS)" in downstream.log.read_text()
    assert f"forwarding accepted requests to {target} (TLS)" in upstream.log.read_text()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--tls-cert", "{cert}"], "--tls-cert and --tls-key go together"),
        (["--tls-key", "{key}"], "--tls-cert and --tls-key go together"),
        (["--tls-cert", "{key}", "--tls-key", "{key}"], "holds no PEM certificate"),
        (["--tls-cert", "{cert}", "--tls-key", "{cert}"], "holds no PEM private key"),
    ],
)
def test_unusable_tls_flags_stop_the_collector_with_the_reason(
    flags: list[str],
    message: str,
    tmp_path: Path,
    self_signed: Certificate,
    capsys: pytest.CaptureFixture[str],
) -> None:
    given = [f.format(cert=self_signed.cert, key=self_signed.key) for f in flags]
    code = main(["collector", *given, "--data-dir", str(tmp_path / "data")])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "data").exists(), "nothing is created before the flags are checked"


def test_stopping_while_the_downstream_is_down_drops_what_waits_and_says_so(
    tmp_path: Path,
) -> None:
    upstream = start(
        tmp_path, "collector", *NO_RETENTION, "--forward", "127.0.0.1:9", "--forward-insecure"
    )
    try:
        send(upstream, 2)
        stop_with_sigterm(upstream)
    finally:
        upstream.stop()
    log = upstream.log.read_text()
    assert "forwarding to 127.0.0.1:9 failed (UNAVAILABLE" in log
    assert "forwarding to 127.0.0.1:9: 2 requests were not sent at shutdown" in log


@pytest.mark.parametrize(
    ("argv", "targets", "tls"),
    [
        ([], [], True),
        (["--forward", "otel:4317"], ["otel:4317"], True),
        (["collector", "--forward", "a:1", "--forward", "[::1]:2"], ["a:1", "[::1]:2"], True),
        (["--forward", "a:1", "--forward", "b:2", "collector"], ["a:1", "b:2"], True),
        (["collector", "--forward", "a:1", "--forward-insecure"], ["a:1"], False),
    ],
)
def test_forward_flags_before_or_after_the_command(
    argv: list[str], targets: list[str], tls: bool
) -> None:
    made = forwarders(build_parser().parse_args(argv))
    assert [f.target for f in made] == targets
    assert all(f.stats().tls is tls for f in made)


@pytest.mark.parametrize("target", ["otel", "otel:", ":4317", "otel:0", "otel:70000", "otel:x"])
def test_a_forward_target_must_be_host_and_port(
    target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["collector", "--forward", target])
    assert f"argument --forward: {target!r} is not HOST:PORT" in capsys.readouterr().err
