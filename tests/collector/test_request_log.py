"""The request log keeps the last requests and drops payloads first when memory runs short."""

from __future__ import annotations

import threading

from devfiler.collector.request_log import Outcome, RequestLog, payload_tree
from tests.collector.sent_requests import agent_request


def add(log: RequestLog, payload: bytes, outcome: Outcome = Outcome.OK) -> int:
    record = log.add(
        received_ns=1,
        peer="ipv4:127.0.0.1:1",
        metadata=[("user-agent", "grpc-go/1.70"), ("trace-bin", b"\x01\xff")],
        payload=payload,
        samples=len(payload),
        outcome=outcome,
    )
    return record.id


def test_ring_keeps_the_last_requests_oldest_first() -> None:
    log = RequestLog(capacity=3)
    ids = [add(log, bytes([i])) for i in range(5)]
    assert [r.id for r in log.records()] == ids[2:]
    assert log.total == 5
    assert log.payload(ids[1]) is None
    assert log.payload(ids[4]) == b"\x04"
    assert log.payload_bytes == 3


def test_binary_metadata_is_shown_as_hex() -> None:
    log = RequestLog()
    add(log, b"")
    assert log.records()[0].metadata == (("user-agent", "grpc-go/1.70"), ("trace-bin", "01ff"))


def test_payloads_over_budget_are_dropped_oldest_first_rows_stay() -> None:
    log = RequestLog(capacity=10, payload_budget=250)
    ids = [add(log, b"x" * 100) for _ in range(4)]
    assert [log.payload(i) is not None for i in ids] == [False, False, True, True]
    assert [r.id for r in log.records()] == ids
    assert log.payload_bytes == 200


def test_payload_larger_than_budget_keeps_only_its_row() -> None:
    log = RequestLog(capacity=10, payload_budget=50)
    record_id = add(log, b"x" * 100)
    assert log.payload(record_id) is None
    assert log.records()[0].payload_size == 100


def test_concurrent_adds_lose_nothing() -> None:
    log = RequestLog(capacity=1000, payload_budget=10_000)

    def writer() -> None:
        for _ in range(200):
            add(log, b"y" * 10)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert log.total == 800
    assert sorted(r.id for r in log.records()) == list(range(800))
    assert log.payload_bytes == 8000


def test_payload_tree_uses_proto_field_names_numbers_and_resolved_strings() -> None:
    tree = payload_tree(agent_request(1_000_000_000).SerializeToString())
    strings = tree["dictionary"]["string_table"]
    assert "libc.so.6" in strings
    profile = tree["resource_profiles"][0]["scope_profiles"][0]["profiles"][0]
    type_index = profile["sample_type"]["type_strindex"]
    assert type_index.text == "samples" and strings[type_index.index] == "samples"
    assert str(type_index) == f"{type_index.index} -> 'samples'"
    # 64-bit fields stay numbers (the proto3 JSON mapping would make them strings).
    assert isinstance(profile["time_unix_nano"], int)
