from __future__ import annotations

from devfiler.collector.payload_view import StringIndex
from devfiler.collector.request_log import Outcome, RequestLog, payload_tree
from devfiler.ui.grpc_rows import MAX_CHILDREN, newest_first, record_cells, tree_entries


def test_records_read_newest_first_with_sizes_and_outcomes() -> None:
    log = RequestLog(capacity=3)
    for n in range(4):
        log.add(
            received_ns=1_700_000_000_123_000_000 + n,
            peer="ipv4:127.0.0.1:5000",
            metadata=(("user-agent", "agent"),),
            payload=b"x" * (2048 * n),
            samples=n,
            outcome=Outcome.PARTIAL if n == 3 else Outcome.OK,
            message="1 profile rejected" if n == 3 else "",
        )
    records = newest_first(log.records())
    assert [r.id for r in records] == [3, 2, 1]
    time, peer, size, samples, outcome = record_cells(records[0])
    assert time.endswith(".123") and peer == "ipv4:127.0.0.1:5000"
    assert size == "6.0 KiB" and samples == "3"
    assert outcome == "partial: 1 profile rejected"
    assert record_cells(records[2])[2] == "2.0 KiB"


def test_tree_entries_open_containers_and_cut_long_lists() -> None:
    tree = {"resource_profiles": [{"a": 1}], "empty": {}, "name": "x" * 500}
    entries = tree_entries(tree)
    assert entries[0].label == "resource_profiles [1]"
    assert entries[0].children == [{"a": 1}]
    assert entries[1].label == "empty: {}" and entries[1].children is None
    assert entries[2].label.endswith("...") and len(entries[2].label) < 260
    many = tree_entries(list(range(MAX_CHILDREN + 5)))
    assert len(many) == MAX_CHILDREN + 1
    assert many[-1].label == "... 5 more"
    assert tree_entries(7) == []


def test_leaves_show_numbers_as_numbers_and_string_indices_with_their_text() -> None:
    entries = tree_entries(
        {"time_unix_nano": 1_700_000_000, "name_strindex": StringIndex(3, "main")}
    )
    assert [e.label for e in entries] == [
        "time_unix_nano: 1700000000",
        "name_strindex: 3 -> 'main'",
    ]


def test_an_unreadable_payload_still_gives_a_tree() -> None:
    entries = tree_entries(payload_tree(b"\xff\xff\xff"))
    assert entries[0].label.startswith("unreadable payload:")
