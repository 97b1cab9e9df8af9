"""The decoder turns agent requests into batches and refuses unreadable ones precisely."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from devfiler.collector.decode import CONTEXTS_KEPT, decode_request
from devfiler.collector.errors import InvalidRequestError
from devfiler.model import EventContext, FileId, FrameKind, SampleKind, SourceLine
from devfiler.storage.records import decode_trace
from tests.collector import decoder_request as agent_request
from tests.collector.decoder_request import BASE_NS, EXE_ID, LIBC_ID
from tests.collector.malformed import MALFORMED

NOW = BASE_NS + 99


def test_agent_request_decodes_to_exact_events() -> None:
    result = decode_request(agent_request.build(), NOW)
    batch = result.batch
    assert result.samples == 6
    assert result.rejected_profiles == 0
    by_kind = {rows.kind: rows for rows in batch.events}
    on = by_kind[SampleKind.ON_CPU]
    assert on.timestamps.tolist() == [
        BASE_NS + 1,
        BASE_NS + 2,
        BASE_NS + 1_500_000_000,
        BASE_NS + 3,
    ]
    assert on.weights.tolist() == [1, 1, 1, 1]
    off = by_kind[SampleKind.OFF_CPU]
    assert off.weights.tolist() == [700, 300]
    names = [batch.contexts[i].thread_name for i in on.context_index]
    assert names == ["worker", "worker", "main", "worker"]
    worker = batch.contexts[on.context_index[0]]
    assert (worker.thread_id, worker.cpu, worker.pid) == (4242, 3, 100)
    assert (worker.container_id, worker.service_name) == ("c0ffee", "shop")
    assert worker.executable_path == "/usr/bin/app"


def test_frames_and_executables() -> None:
    batch = decode_request(agent_request.build(), NOW).batch
    exes = {exe.file_id.hex(): exe for exe in batch.executables}
    assert set(exes) == {EXE_ID, LIBC_ID}
    assert exes[EXE_ID].gnu_build_id == "aabbccdd"
    assert exes[EXE_ID].path == "/usr/bin/app"
    assert exes[LIBC_ID].file_name == "libc.so.6"
    table = batch.trace_table
    traces = [decode_trace(table.hashes[i] + table.value(i)) for i in range(len(table))]
    libc_trace = next(t for t in traces if t.kinds == (FrameKind.NATIVE, FrameKind.NATIVE))
    assert libc_trace.frames[0].file_id == FileId.from_hex(LIBC_ID)
    assert libc_trace.frames[0].address == 0x99
    assert libc_trace.frames[1].address == 0x1234
    by_kind = {f.kind: f for f in batch.frames}
    assert by_kind[FrameKind.CPYTHON].lines == (SourceLine("handle", "app.py", 42),)
    assert by_kind[FrameKind.KERNEL].lines == (SourceLine("do_syscall_64", "", 0),)
    assert by_kind[FrameKind.ABORT].error_code == 2


def test_equal_interpreted_frames_get_equal_ids_across_requests() -> None:
    first = decode_request(agent_request.build(), NOW).batch
    other = agent_request.build()
    other.dictionary.location_table.add()  # shifts nothing that is used, changes the request
    second = decode_request(other, NOW).batch
    assert set(first.trace_table.hashes) == set(second.trace_table.hashes)


def test_entries_sent_again_byte_for_byte_read_the_new_string_table() -> None:
    # Attribute 8 is {key_strindex: 11, "worker"}: the same bytes in both requests,
    # but the second request's string 11 is no longer "thread.name".
    first = decode_request(agent_request.build(), NOW).batch
    renamed = agent_request.build()
    renamed.dictionary.string_table[11] = "label"
    second = decode_request(renamed, NOW).batch
    assert {c.thread_name for c in first.contexts} == {"worker", "main"}
    assert {c.thread_name for c in second.contexts} == {""}


def test_resource_values_by_string_index_read_each_request_s_table() -> None:
    def with_service_index(name: str) -> ExportProfilesServiceRequest:
        req = agent_request.build()
        req.dictionary.string_table[21] = name
        service = req.resource_profiles[0].resource.attributes[4]
        service.value.Clear()
        service.value.string_value_strindex = 21
        return req

    first = decode_request(with_service_index("shop"), NOW).batch
    second = decode_request(with_service_index("checkout"), NOW).batch
    assert {c.service_name for c in first.contexts} == {"shop"}
    assert {c.service_name for c in second.contexts} == {"checkout"}


def test_unknown_frame_type_is_kept_with_its_name() -> None:
    req = agent_request.build()
    req.dictionary.attribute_table[2].value.string_value = "zig"
    frames = decode_request(req, NOW).batch.frames
    other = [f for f in frames if f.kind is FrameKind.OTHER]
    assert [f.kind_name for f in other] == ["zig"]


def test_sample_without_timestamps_happens_now() -> None:
    req = agent_request.build()
    profile = req.resource_profiles[0].scope_profiles[0].profiles[0]
    profile.samples.add(stack_index=1, attribute_indices=[11], values=[1])
    rows = decode_request(req, NOW).batch.events[0]
    assert rows.timestamps.tolist()[-1] == NOW


def test_one_bad_profile_is_rejected_alone() -> None:
    req = agent_request.build()
    req.resource_profiles[0].scope_profiles[0].profiles[1].samples[0].stack_index = 77
    result = decode_request(req, NOW)
    assert result.rejected_profiles == 1
    assert "profiles[1].samples[0].stack_index = 77" in result.error_message
    assert [rows.kind for rows in result.batch.events] == [SampleKind.ON_CPU]


@pytest.mark.parametrize(
    ("mutate", "message"), [(m, msg) for _, m, msg in MALFORMED], ids=[n for n, _, _ in MALFORMED]
)
def test_malformed_request_is_refused_with_a_precise_message(
    mutate: Callable[[ExportProfilesServiceRequest], object], message: str
) -> None:
    req = agent_request.build()
    mutate(req)
    with pytest.raises(InvalidRequestError) as refused:
        decode_request(req, NOW)
    assert message in str(refused.value)


def test_malformed_table_is_large_enough() -> None:
    assert len(MALFORMED) >= 20


def test_empty_request_is_fine() -> None:
    result = decode_request(ExportProfilesServiceRequest(), NOW)
    assert result.samples == 0
    assert result.batch.events == []


def test_event_columns_are_numpy() -> None:
    rows = decode_request(agent_request.build(), NOW).batch.events[0]
    assert rows.timestamps.dtype == np.int64
    assert rows.trace_index.dtype == np.uint32


def _who(contexts: list[EventContext]) -> set[tuple[str, int, int, int]]:
    """Thread name, thread ID, CPU and process of each context."""
    return {(c.thread_name, c.thread_id, c.cpu, c.pid) for c in contexts}


def test_contexts_are_equal_under_a_renumbered_attribute_table() -> None:
    first = decode_request(agent_request.build(), NOW).batch
    swapped = agent_request.build()
    table = swapped.dictionary.attribute_table
    worker, main = table[8].SerializeToString(), table[11].SerializeToString()
    table[8].ParseFromString(main)
    table[11].ParseFromString(worker)
    for profile in swapped.resource_profiles[0].scope_profiles[0].profiles:
        for sample in profile.samples:
            sample.attribute_indices[:] = [
                {8: 11, 11: 8}.get(i, i) for i in sample.attribute_indices
            ]
    second = decode_request(swapped, NOW).batch
    assert _who(second.contexts) == _who(first.contexts)
    assert _who(first.contexts) == {
        ("worker", 4242, 3, 100),
        ("main", 0, 3, 100),
        ("main", 0, -1, 100),
    }


def test_a_changed_entry_under_the_same_index_changes_the_context() -> None:
    decode_request(agent_request.build(), NOW)
    changed = agent_request.build()
    changed.dictionary.attribute_table[8].value.string_value = "sleeper"
    changed.resource_profiles[0].resource.attributes[0].value.int_value = 101
    contexts = decode_request(changed, NOW).batch.contexts
    assert ("sleeper", 4242, 3, 101) in _who(contexts)
    assert all(c.pid == 101 and c.thread_name != "worker" for c in contexts)


def test_more_contexts_than_are_kept_decode_exactly() -> None:
    req = agent_request.build()
    profile = req.resource_profiles[0].scope_profiles[0].profiles[0]
    threads = CONTEXTS_KEPT + 10
    first = len(req.dictionary.attribute_table)
    for t in range(threads):
        req.dictionary.attribute_table.add(
            key_strindex=11, value=AnyValue(string_value=f"thread-{t}")
        )
        profile.samples.add(
            stack_index=1, attribute_indices=[first + t], timestamps_unix_nano=[BASE_NS + t]
        )
    batch = decode_request(req, NOW).batch
    on = next(rows for rows in batch.events if rows.kind is SampleKind.ON_CPU)
    names = [batch.contexts[i].thread_name for i in on.context_index]
    assert names[-threads:] == [f"thread-{t}" for t in range(threads)]
    # The first contexts were forgotten to make room; the next request builds them anew.
    again = decode_request(agent_request.build(), NOW).batch
    assert _who(again.contexts) == {
        ("worker", 4242, 3, 100),
        ("main", 0, 3, 100),
        ("main", 0, -1, 100),
    }
