"""Senders that start uploads and never finish them cannot stop other agents."""

from __future__ import annotations

import time
from collections.abc import Iterator

import grpc
import pytest
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2_grpc import (
    ProfilesServiceStub,
)

from devfiler.collector.server import Collector, ServerLimits
from devfiler.storage.store import Store
from tests.collector.raw_http2 import HeldConnection
from tests.collector.sent_requests import BASE_NS, agent_request, assert_stored_exactly

DEADLINE_EXCEEDED = str(grpc.StatusCode.DEADLINE_EXCEEDED.value[0])


@pytest.fixture
def held() -> Iterator[list[HeldConnection]]:
    connections: list[HeldConnection] = []
    yield connections
    for connection in connections:
        connection.close()


def export(port: int, timeout: float = 10.0) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{port}", compression=grpc.Compression.Gzip) as channel:
        ProfilesServiceStub(channel).Export(agent_request(BASE_NS), timeout=timeout)


def test_held_uploads_do_not_block_other_agents(
    collector: Collector, store: Store, held: list[HeldConnection]
) -> None:
    for _ in range(3):
        connection = HeldConnection.open(collector.port)
        held.append(connection)
        for _ in range(4):
            connection.start_call()
    for connection in held:
        connection.pump(0.2)
    started = time.monotonic()
    export(collector.port, timeout=10)
    assert time.monotonic() - started < 10
    assert_stored_exactly(store, [agent_request(BASE_NS)])
    assert all(not connection.statuses for connection in held)


def test_a_body_that_does_not_arrive_in_time_is_refused(
    store: Store, held: list[HeldConnection]
) -> None:
    with Collector(store, limits=ServerLimits(body_seconds=1.0)) as collector:
        collector.start("127.0.0.1:0")
        connection = HeldConnection.open(collector.port)
        held.append(connection)
        stream = connection.start_call()
        connection.pump(4.0)
        assert connection.statuses == {stream: DEADLINE_EXCEEDED}
        [record] = collector.request_log.records()
        assert record.message == "the request body did not arrive within 1 s"
        assert collector.stats().refused == 1


def test_connections_advertise_the_per_connection_limit(
    collector: Collector, held: list[HeldConnection]
) -> None:
    connection = HeldConnection.open(collector.port)
    held.append(connection)
    connection.pump(0.5)
    assert connection.max_streams == ServerLimits().calls_per_connection


def test_past_the_total_limit_calls_are_refused_until_held_ones_expire(
    store: Store, held: list[HeldConnection]
) -> None:
    limits = ServerLimits(body_seconds=2.0, calls_per_connection=2, calls_total=4)
    with Collector(store, limits=limits) as collector:
        collector.start("127.0.0.1:0")
        for _ in range(2):
            connection = HeldConnection.open(collector.port)
            held.append(connection)
            connection.start_call()
            connection.start_call()
            connection.pump(0.2)
        with pytest.raises(grpc.RpcError) as refused:
            export(collector.port)
        assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        for connection in held:
            connection.pump(3.0)
            assert set(connection.statuses.values()) == {DEADLINE_EXCEEDED}
        export(collector.port)
        assert_stored_exactly(store, [agent_request(BASE_NS)])
