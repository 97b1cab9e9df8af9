"""Forwarding to a second devfiler collector on loopback: live, down, slow, back again."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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

from devfiler.collector.forward import QUEUE_BYTES, Backoff, Forwarder, ForwardStats
from devfiler.collector.server import Collector
from devfiler.config import data_paths
from devfiler.retry import RetryPolicy
from devfiler.sizes import format_size
from devfiler.storage.store import Store
from tests.collector.sent_requests import BASE_NS, agent_request, assert_stored_exactly

FAST = Backoff(RetryPolicy(first_s=0.05, max_s=0.4), call_timeout=60.0)
HANG_GUARD_S = 60
"""Longest wait for a condition; only there so that a broken forwarder fails, not hangs."""


@dataclass(frozen=True, slots=True)
class Devfiler:
    """A real collector and the real store it writes into."""

    collector: Collector
    store: Store

    @property
    def address(self) -> str:
        return self.collector.address


@contextmanager
def devfiler_collector(folder: Path, listen: str = "127.0.0.1:0") -> Iterator[Devfiler]:
    with Store.open(data_paths(folder)) as store:
        collector = Collector(store)
        collector.start(listen)
        try:
            yield Devfiler(collector, store)
        finally:
            collector.stop(5.0)


@contextmanager
def forwarding(
    tmp_path: Path, target: str, queue_bytes: int = QUEUE_BYTES
) -> Iterator[tuple[Devfiler, Forwarder]]:
    """The upstream devfiler: a collector whose accepted requests go to `target`."""
    forwarder = Forwarder(target, tls=False, backoff=FAST, queue_bytes=queue_bytes)
    forwarder.start()
    with devfiler_collector(tmp_path / "upstream") as upstream:
        upstream.collector.on_accepted(forwarder.submit)
        try:
            yield upstream, forwarder
        finally:
            forwarder.stop(drain_seconds=0.5)


def send(collector: Collector, requests: list[ExportProfilesServiceRequest]) -> None:
    """Send as the agent does (gzip), one after the other; each must be acknowledged."""
    with grpc.insecure_channel(collector.address, compression=grpc.Compression.Gzip) as channel:
        export = ProfilesServiceStub(channel).Export
        for request in requests:
            export(request, timeout=HANG_GUARD_S)


def wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + HANG_GUARD_S
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


def reports(count: int) -> list[ExportProfilesServiceRequest]:
    return [agent_request(BASE_NS + i * 5_000_000_000) for i in range(count)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def received(devfiler: Devfiler) -> list[bytes]:
    """Payloads the collector received, oldest first."""
    log = devfiler.collector.request_log
    return [log.payload(record.id) or b"" for record in log.records()]


def test_accepted_requests_reach_the_downstream_as_received(tmp_path: Path) -> None:
    requests = reports(3)
    with (
        devfiler_collector(tmp_path / "downstream") as downstream,
        forwarding(tmp_path, downstream.address) as (upstream, forwarder),
    ):
        send(upstream, requests)
        with grpc.insecure_channel(upstream.address) as channel, pytest.raises(grpc.RpcError):
            # Refused by the upstream: not forwarded.
            channel.unary_unary(
                "/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export"
            )(b"\xff\xff", timeout=HANG_GUARD_S)
        wait_for(lambda: forwarder.stats().sent == 3, "three requests were forwarded")
        assert received(downstream) == [r.SerializeToString() for r in requests]
        stats = forwarder.stats()
        assert (stats.waiting, stats.dropped, stats.retries) == (0, 0, 0)
        assert upstream.collector.stats().refused == 1
        assert_stored_exactly(downstream.store, requests)


def test_a_downstream_that_is_down_then_comes_back_gets_everything_in_order(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="devfiler.collector.forward")
    requests = reports(4)
    target = f"127.0.0.1:{free_port()}"
    with forwarding(tmp_path, target) as (upstream, forwarder):
        # The agent's requests are acknowledged while nothing listens downstream.
        send(upstream, requests)
        assert upstream.collector.stats().requests == 4
        wait_for(lambda: forwarder.stats().retries >= 3, "the forwarder retried")
        down = forwarder.stats()
        assert (down.sent, down.waiting, down.dropped) == (0, 4, 0)
        assert down.failing_since_ns is not None
        assert down.last_error.startswith("UNAVAILABLE")
        with devfiler_collector(tmp_path / "downstream", target) as downstream:
            wait_for(lambda: forwarder.stats().sent == 4, "the queue was sent")
            assert received(downstream) == [r.SerializeToString() for r in requests]
        back = forwarder.stats()
        assert (back.waiting, back.dropped, back.failing_since_ns) == (0, 0, None)
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith(f"forwarding to {target} failed (UNAVAILABLE") for m in messages), (
        messages
    )
    assert any(
        m.startswith(f"forwarding to {target} works again after")
        and m.endswith("; 0 requests dropped so far")
        for m in messages
    ), messages


def test_a_slow_downstream_costs_the_oldest_waiting_requests_not_the_agents_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="devfiler.collector.forward")
    requests = reports(6)
    size = len(requests[0].SerializeToString())
    gate = threading.Event()
    with devfiler_collector(tmp_path / "downstream") as downstream:
        # The downstream holds each request until the gate opens: as slow as it gets.
        downstream.collector.on_stored(lambda batch: gate.wait(HANG_GUARD_S))
        with forwarding(tmp_path, downstream.address, queue_bytes=2 * size) as (
            upstream,
            forwarder,
        ):
            send(upstream, requests)
            # One request is being sent, two wait, three were dropped to make room.
            wait_for(lambda: forwarder.stats().dropped_full == 3, "the oldest were dropped")
            slow = forwarder.stats()
            assert (slow.sent, slow.waiting, slow.waiting_bytes) == (0, 3, 3 * size)
            gate.set()
            wait_for(lambda: forwarder.stats().sent == 3, "the rest was sent")
            kept = [requests[0], requests[4], requests[5]]
            assert received(downstream) == [r.SerializeToString() for r in kept]
            assert_stored_exactly(downstream.store, kept)
    messages = [record.getMessage() for record in caplog.records]
    full = f"the queue is full ({format_size(2 * size)}); dropping the oldest requests"
    assert messages.count(f"forwarding to {downstream.address}: {full}") == 1


def test_a_downstream_without_the_profiles_service_refuses_and_requests_are_dropped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = grpc.server(ThreadPoolExecutor(max_workers=1))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with forwarding(tmp_path, f"127.0.0.1:{port}") as (upstream, forwarder):
            send(upstream, reports(2))
            wait_for(lambda: forwarder.stats().dropped_refused == 2, "both were refused")
            assert forwarder.stats().last_error.startswith("UNIMPLEMENTED")
    finally:
        server.stop(None)
    assert any(
        "the downstream refused a request (UNIMPLEMENTED" in record.getMessage()
        for record in caplog.records
    )


def test_what_still_waits_at_stop_is_counted_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    forwarder = Forwarder(f"127.0.0.1:{free_port()}", tls=False, backoff=FAST)
    forwarder.start()
    for payload in (b"a", b"bb", b"ccc"):
        forwarder.submit(payload)
    wait_for(lambda: forwarder.stats().retries >= 1, "a first attempt failed")
    forwarder.stop(drain_seconds=0.2)
    stats = forwarder.stats()
    assert (stats.dropped_at_stop, stats.waiting, stats.sent) == (3, 0, 0)
    assert any(
        "3 requests were not sent at shutdown" in record.getMessage() for record in caplog.records
    )
    forwarder.submit(b"after stop")
    assert forwarder.stats().waiting == 0


def test_stop_gives_up_on_a_call_the_downstream_never_answers(tmp_path: Path) -> None:
    """Shutdown takes the drain time, not the call's timeout (60 s here)."""
    entered, gate = threading.Event(), threading.Event()

    def hold(batch: object) -> None:
        entered.set()
        gate.wait(HANG_GUARD_S)

    with devfiler_collector(tmp_path / "downstream") as downstream:
        downstream.collector.on_stored(hold)
        forwarder = Forwarder(downstream.address, tls=False, backoff=FAST)
        forwarder.start()
        forwarder.submit(reports(1)[0].SerializeToString())
        assert entered.wait(HANG_GUARD_S), "the request reached the downstream"
        stopper = threading.Thread(target=forwarder.stop, kwargs={"drain_seconds": 0.2})
        stopper.start()
        stopper.join(timeout=FAST.call_timeout / 2)
        stopped = not stopper.is_alive()
        gate.set()
        stopper.join()
    assert stopped
    assert (forwarder.stats().dropped_at_stop, forwarder.stats().sent) == (1, 0)


def test_stats_read_as_one_line() -> None:
    stats = ForwardStats(
        "otel:4317",
        tls=True,
        sent=1200,
        waiting=3,
        waiting_bytes=3 << 20,
        dropped_full=5,
        dropped_refused=1,
    )
    assert stats.describe() == (
        "Forwarding to otel:4317 (TLS): 1,200 sent, 3 waiting (3.0 MiB), 6 dropped "
        "(queue full 5, refused 1, at stop 0)."
    )
    failing = ForwardStats(
        "127.0.0.1:4317", tls=False, failing_since_ns=time.time_ns(), last_error="UNAVAILABLE: x"
    )
    assert failing.describe() == (
        "Forwarding to 127.0.0.1:4317 (plaintext): 0 sent, 0 waiting (0 bytes), 0 dropped; "
        "failing for 0 s, retrying: UNAVAILABLE: x."
    )
