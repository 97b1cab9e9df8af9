"""Weights a sender can get wrong: refused with a clear message, never stored, never INTERNAL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceRequest,
)
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2_grpc import (
    ProfilesServiceStub,
)

from devfiler.collector.limits import EVENT_WEIGHT, REQUEST_WEIGHT
from devfiler.model import SampleKind
from devfiler.storage.store import Store
from tests.collector.sent_requests import ALL_TIME, BASE_NS, agent_request, assert_stored_exactly

OFF_CPU = "resource_profiles[0].scope_profiles[0].profiles[1]"


def _off_cpu_sample(request: ExportProfilesServiceRequest) -> Any:
    return request.resource_profiles[0].scope_profiles[0].profiles[1].samples[0]


def _negative(request: ExportProfilesServiceRequest) -> None:
    _off_cpu_sample(request).values[2] = -5


def _too_heavy(request: ExportProfilesServiceRequest) -> None:
    _off_cpu_sample(request).values[0] = EVENT_WEIGHT + 1


def _heavy_without_timestamps(request: ExportProfilesServiceRequest) -> None:
    del _off_cpu_sample(request).timestamps_unix_nano[:]
    _off_cpu_sample(request).values[:] = [1 << 62, 1 << 62]


def _sum_past_64_bits(request: ExportProfilesServiceRequest) -> None:
    del _off_cpu_sample(request).timestamps_unix_nano[:]
    _off_cpu_sample(request).values[:] = [(1 << 63) - 1] * 3


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_negative, f"{OFF_CPU}.samples[0].values[2] = -5 is not a weight"),
        (_too_heavy, f"{OFF_CPU}.samples[0].values[0] = {EVENT_WEIGHT + 1} is not a weight"),
        (_heavy_without_timestamps, f"{OFF_CPU}.samples[0].values[0] = {1 << 62} is not"),
        (_sum_past_64_bits, f"{OFF_CPU}.samples[0].values[0] = {(1 << 63) - 1} is not"),
    ],
    ids=["negative", "too heavy", "heavy without timestamps", "sum past 64 bits"],
)
def test_bad_weights_reject_their_profile_and_the_rest_is_stored(
    channel: grpc.Channel,
    store: Store,
    mutate: Callable[[ExportProfilesServiceRequest], None],
    message: str,
) -> None:
    request = agent_request(BASE_NS)
    mutate(request)
    response = ProfilesServiceStub(channel).Export(request, timeout=30)
    assert response.partial_success.rejected_profiles == 1
    assert message in response.partial_success.error_message
    del request.resource_profiles[0].scope_profiles[0].profiles[1]
    assert_stored_exactly(store, [request])
    events = store.read_events(*ALL_TIME)
    assert not (events.kinds == SampleKind.OFF_CPU).any()


def test_values_without_timestamps_that_add_up_past_one_event_are_rejected(
    channel: grpc.Channel, store: Store
) -> None:
    request = agent_request(BASE_NS)
    del _off_cpu_sample(request).timestamps_unix_nano[:]
    _off_cpu_sample(request).values[:] = [EVENT_WEIGHT // 2 + 1] * 2
    response = ProfilesServiceStub(channel).Export(request, timeout=30)
    assert response.partial_success.rejected_profiles == 1
    assert "values that add up to" in response.partial_success.error_message
    assert f"more than the {EVENT_WEIGHT:,} one event may weigh" in (
        response.partial_success.error_message
    )


def test_a_request_heavier_than_its_limit_is_refused_whole(
    channel: grpc.Channel, store: Store
) -> None:
    request = agent_request(BASE_NS, occurrences=REQUEST_WEIGHT // EVENT_WEIGHT + 1)
    sample = _off_cpu_sample(request)
    sample.values[:] = [EVENT_WEIGHT] * len(sample.timestamps_unix_nano)
    with pytest.raises(grpc.RpcError) as refused:
        ProfilesServiceStub(channel).Export(request, timeout=30)
    assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "weight of the off_cpu events" in (refused.value.details() or "")
    assert store.read_events(*ALL_TIME).timestamps.size == 0
