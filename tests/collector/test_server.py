"""The collector over real gRPC on loopback, writing into a real store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceRequest,
)
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2_grpc import (
    ProfilesServiceStub,
)

from devfiler.collector.payload_view import message_tree
from devfiler.collector.request_log import Outcome, payload_tree
from devfiler.collector.server import EXPORT_METHOD, Collector
from devfiler.config import data_paths
from devfiler.model import Executable, SampleKind
from devfiler.storage.store import Store
from devfiler.storage.tables import CONTEXTS, EVENTS, EXECUTABLES, FRAMES, TRACES
from tests.collector import decoder_request
from tests.collector.malformed import MALFORMED
from tests.collector.sent_requests import (
    ALL_TIME,
    BASE_NS,
    LIBC,
    LIBC_GNU_BUILD_ID,
    PYTHON,
    agent_request,
    assert_stored_exactly,
    expected_events,
)


def assert_store_empty(store: Store) -> None:
    for table in (EVENTS, TRACES, FRAMES, CONTEXTS, EXECUTABLES):
        assert store.count(table) == 0, table.name


def test_gzipped_agent_request_is_stored(
    channel: grpc.Channel, collector: Collector, store: Store
) -> None:
    request = agent_request(BASE_NS)
    response = ProfilesServiceStub(channel).Export(
        request, compression=grpc.Compression.Gzip, metadata=(("x-agent-version", "v0.0.1"),)
    )
    assert not response.HasField("partial_success")
    assert_stored_exactly(store, [request])
    assert sorted(store.executables(), key=lambda exe: exe.file_id) == [
        Executable(LIBC, "libc.so.6", gnu_build_id=LIBC_GNU_BUILD_ID),
        Executable(PYTHON, "python3.11", path="/usr/bin/python3.11"),
    ]
    samples = len(expected_events(request))
    stats = collector.stats()
    assert (stats.requests, stats.samples, stats.refused) == (1, samples, 0)
    [record] = collector.request_log.records()
    assert (record.outcome, record.samples, record.message) == (Outcome.OK, samples, "")
    assert record.peer.startswith("ipv4:127.0.0.1:")
    assert ("x-agent-version", "v0.0.1") in record.metadata
    assert record.payload_size == request.ByteSize()
    payload = collector.request_log.payload(record.id)
    assert payload is not None
    assert payload_tree(payload) == message_tree(request, request.dictionary.string_table)


def test_requests_from_several_reports_accumulate(channel: grpc.Channel, store: Store) -> None:
    requests = [agent_request(BASE_NS + i * 5_000_000_000) for i in range(3)]
    stub = ProfilesServiceStub(channel)
    for request in requests:
        stub.Export(request)
    assert_stored_exactly(store, requests)
    assert store.count(EXECUTABLES) == 2


def test_listeners_see_every_stored_batch(
    channel: grpc.Channel, collector: Collector, store: Store
) -> None:
    seen: list[int] = []
    collector.on_stored(lambda batch: seen.append(batch.event_count))
    collector.on_stored(lambda batch: 1 / 0)  # a failing listener costs nothing else
    requests = [agent_request(BASE_NS + i * 5_000_000_000) for i in range(2)]
    for request in requests:
        ProfilesServiceStub(channel).Export(request)
    assert seen == [len(expected_events(r)) for r in requests]
    assert_stored_exactly(store, requests)


def test_request_above_grpc_default_limit_is_accepted(channel: grpc.Channel, store: Store) -> None:
    request = agent_request(BASE_NS, occurrences=200_000)
    assert request.ByteSize() > 4 * 1024 * 1024
    ProfilesServiceStub(channel).Export(request)
    events = store.read_events(*ALL_TIME)
    assert len(events) == len(expected_events(request)) == 600_000
    assert int(events.weights[events.kinds == SampleKind.OFF_CPU].sum()) == sum(
        1_000_003 * (i + 1) for i in range(200_000)
    )


def test_garbage_payload_is_refused_and_nothing_stored(
    channel: grpc.Channel, collector: Collector, store: Store
) -> None:
    export_raw = channel.unary_unary(EXPORT_METHOD)
    with pytest.raises(grpc.RpcError) as raised:
        export_raw(b"\x0a\xff\xff\xff\xff\x0f not a protobuf")
    error = raised.value
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith("request is not a valid ExportProfilesServiceRequest: ")
    assert_store_empty(store)
    stats = collector.stats()
    assert (stats.requests, stats.samples, stats.refused) == (1, 0, 1)
    [record] = collector.request_log.records()
    assert record.outcome is Outcome.REFUSED
    assert record.message == error.details()
    payload = collector.request_log.payload(record.id)
    assert payload is not None
    assert list(payload_tree(payload)) == ["unreadable payload"]


def test_unreadable_request_is_refused_whole(
    channel: grpc.Channel, collector: Collector, store: Store
) -> None:
    request = agent_request(BASE_NS)
    request.dictionary.stack_table[1].location_indices.append(999)
    with pytest.raises(grpc.RpcError) as raised:
        ProfilesServiceStub(channel).Export(request)
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "999" in raised.value.details()
    assert "stack_table[1]" in raised.value.details()
    assert_store_empty(store)
    assert collector.stats().refused == 1


def test_partly_unreadable_request_reports_partial_success(
    channel: grpc.Channel, collector: Collector, store: Store
) -> None:
    request = agent_request(BASE_NS)
    off_cpu = request.resource_profiles[0].scope_profiles[0].profiles[1]
    off_cpu.samples[0].stack_index = 999
    response = ProfilesServiceStub(channel).Export(request)
    assert response.partial_success.rejected_profiles == 1
    assert "profiles[1].samples[0].stack_index = 999" in response.partial_success.error_message
    del request.resource_profiles[0].scope_profiles[0].profiles[1]
    assert_stored_exactly(store, [request])
    [record] = collector.request_log.records()
    assert record.outcome is Outcome.PARTIAL
    assert record.message == response.partial_success.error_message
    assert collector.stats().rejected_profiles == 1


def test_second_collector_on_the_same_port_fails_to_start(
    collector: Collector, store: Store
) -> None:
    other = Collector(store)
    with pytest.raises(Exception, match=f"cannot listen on 127.0.0.1:{collector.port}"):
        other.start(f"127.0.0.1:{collector.port}")


def test_store_failure_is_an_internal_error(tmp_path: Path) -> None:
    store = Store.open(data_paths(tmp_path / "closed"))
    store.close()
    collector = Collector(store)
    collector.start("127.0.0.1:0")
    try:
        with (
            grpc.insecure_channel(collector.address) as channel,
            pytest.raises(grpc.RpcError) as raised,
        ):
            ProfilesServiceStub(channel).Export(agent_request(BASE_NS))
    finally:
        collector.stop(grace=5)
    assert raised.value.code() is grpc.StatusCode.INTERNAL
    assert raised.value.details().startswith("devfiler failed to store: ")
    assert collector.stats().refused == 1


@pytest.mark.parametrize(
    ("mutate", "message"), [(m, msg) for _, m, msg in MALFORMED], ids=[n for n, _, _ in MALFORMED]
)
def test_malformed_request_is_refused_over_grpc_and_nothing_stored(
    channel: grpc.Channel,
    collector: Collector,
    store: Store,
    mutate: Callable[[ExportProfilesServiceRequest], object],
    message: str,
) -> None:
    request = decoder_request.build()
    mutate(request)
    with pytest.raises(grpc.RpcError) as refused:
        ProfilesServiceStub(channel).Export(request)
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert message in (refused.value.details() or "")
    assert_store_empty(store)
    assert collector.stats().refused == 1
    assert collector.request_log.records()[-1].outcome is Outcome.REFUSED


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        ([], "the call carried no request"),
        ([b"", b""], "Export takes one request per call, not a stream"),
    ],
)
def test_a_call_without_exactly_one_request_is_refused(
    channel: grpc.Channel, store: Store, messages: list[bytes], message: str
) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        channel.stream_unary(EXPORT_METHOD)(iter(messages), timeout=10)
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details() == message
    assert_store_empty(store)
