"""A few thousand mutated requests against a real collector: it stays up, answers each in
time with a status a sender can act on, and stores every valid request exactly."""

from __future__ import annotations

import itertools
import time
from collections import Counter

import grpc
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceResponse,
)

from devfiler.collector.server import EXPORT_METHOD, Collector
from devfiler.storage.store import Store
from tests.collector.mutations import mutated_requests
from tests.collector.sent_requests import ALL_TIME, agent_request, assert_stored_exactly

SEED = 14
REQUESTS = 3000
BUDGET_SECONDS = 120.0
"""The test stops sending when its time is up; at least MIN_REQUESTS must have gone out."""
MIN_REQUESTS = 500
ANSWER_SECONDS = 30.0
VALID_EVERY = 25
VALID_BASE_NS = 1_900_000_000_000_000_000
"""Valid requests lie in 2030, far from the mutated requests' 2023."""
ANSWERS = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
}


def test_mutated_requests_never_stop_or_corrupt_the_collector(
    channel: grpc.Channel, collector: Collector, store: Store
) -> None:
    export_raw = channel.unary_unary(
        EXPORT_METHOD, response_deserializer=ExportProfilesServiceResponse.FromString
    )
    valid = []
    statuses: Counter[str] = Counter()
    began = time.monotonic()
    sent = 0
    for sent, payload in enumerate(itertools.islice(mutated_requests(SEED), REQUESTS), 1):
        if sent % VALID_EVERY == 0:
            request = agent_request(VALID_BASE_NS + len(valid) * 5_000_000_000)
            valid.append(request)
            response = export_raw(request.SerializeToString(), timeout=ANSWER_SECONDS)
            assert not response.HasField("partial_success")
        try:
            export_raw(payload, timeout=ANSWER_SECONDS)
            code = grpc.StatusCode.OK
        except grpc.RpcError as error:
            code = error.code()
            assert code in ANSWERS, f"request {sent}: {code} {error.details()}"
        statuses[code.name] += 1
        if time.monotonic() - began > BUDGET_SECONDS:
            break
    print(f"{sent} mutated requests in {time.monotonic() - began:.0f} s: {dict(statuses)}")
    assert sent >= MIN_REQUESTS
    assert statuses["OK"] and statuses["INVALID_ARGUMENT"]
    window = (VALID_BASE_NS, VALID_BASE_NS + len(valid) * 5_000_000_000)
    assert_stored_exactly(store, valid, between=window)
    stats = collector.stats()
    assert stats.requests == sent + len(valid)
    assert len(store.read_events(*ALL_TIME)) == stats.samples
