"""The decoder turns agent requests into batches and refuses unreadable ones precisely."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceRequest,
)

from devfiler.collector.decode import decode_request
from devfiler.collector.errors import InvalidRequestError
from devfiler.model import FileId, FrameKind, SampleKind, SourceLine
from devfiler.storage.records import decode_trace
from tests.collector import decoder_request as agent_request
from tests.collector.decoder_request import BASE_NS, EXE_ID, LIBC_ID

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
    traces = [decode_trace(table.hashes[i], table.value(i)) for i in range(len(table))]
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


def _profile(req: ExportProfilesServiceRequest, i: int = 0):  # type: ignore[no-untyped-def]
    return req.resource_profiles[0].scope_profiles[0].profiles[i]


def _both_profiles(req: ExportProfilesServiceRequest, change: Callable[..., None]) -> None:
    for i in (0, 1):
        change(_profile(req, i))


def _values_without_timestamps(req: ExportProfilesServiceRequest) -> None:
    _profile(req, 0).samples.add(stack_index=1, values=[1, 2])
    _profile(req, 1).samples.add(stack_index=99)


def _old_agent_sample(req: ExportProfilesServiceRequest) -> None:
    for i in (0, 1):
        sample = _profile(req, i).samples[0]
        raw = sample.SerializeToString() + bytes([0x1A, 0x01, 0x05])  # field 3, packed
        sample.ParseFromString(raw)


MALFORMED: list[tuple[str, Callable[[ExportProfilesServiceRequest], object], str]] = [
    (
        "attribute key",
        lambda r: setattr(r.dictionary.attribute_table[1], "key_strindex", 500),
        "attribute_table[1].key_strindex = 500 is out of range: string_table has 22 entries",
    ),
    (
        "attribute unit",
        lambda r: setattr(r.dictionary.attribute_table[2], "unit_strindex", -1),
        "attribute_table[2].unit_strindex = -1 is out of range",
    ),
    (
        "attribute value strindex",
        lambda r: r.dictionary.attribute_table[1].value.__setattr__("string_value_strindex", 99),
        "attribute_table[1].value.string_value_strindex = 99 is out of range",
    ),
    (
        "function name",
        lambda r: setattr(r.dictionary.function_table[1], "name_strindex", 22),
        "function_table[1].name_strindex = 22 is out of range: string_table has 22 entries",
    ),
    (
        "function system name",
        lambda r: setattr(r.dictionary.function_table[2], "system_name_strindex", 1000),
        "function_table[2].system_name_strindex = 1000 is out of range",
    ),
    (
        "function file name",
        lambda r: setattr(r.dictionary.function_table[1], "filename_strindex", 23),
        "function_table[1].filename_strindex = 23 is out of range",
    ),
    (
        "mapping file name",
        lambda r: setattr(r.dictionary.mapping_table[1], "filename_strindex", 40),
        "mapping_table[1].filename_strindex = 40 is out of range",
    ),
    (
        "mapping attribute",
        lambda r: r.dictionary.mapping_table[2].attribute_indices.append(13),
        "mapping_table[2].attribute_indices[1] = 13 is out of range: attribute_table has 13",
    ),
    (
        "mapping bounds",
        lambda r: setattr(r.dictionary.mapping_table[1], "memory_limit", 0x100),
        "mapping_table[1]: memory_limit 0x100 is below memory_start 0x400000",
    ),
    (
        "file ID not hex",
        lambda r: r.dictionary.attribute_table[5].value.__setattr__("string_value", "zz" * 16),
        "mapping_table[1]: attribute process.executable.build_id.htlhash is 'zzzz",
    ),
    (
        "file ID too short",
        lambda r: r.dictionary.attribute_table[7].value.__setattr__("string_value", "abcd"),
        "mapping_table[2]: attribute process.executable.build_id.htlhash is 'abcd', expected",
    ),
    (
        "location mapping",
        lambda r: setattr(r.dictionary.location_table[1], "mapping_index", 3),
        "location_table[1].mapping_index = 3 is out of range: mapping_table has 3 entries",
    ),
    (
        "location function",
        lambda r: setattr(r.dictionary.location_table[3].lines[0], "function_index", 9),
        "location_table[3].lines[0].function_index = 9 is out of range: function_table has 3",
    ),
    (
        "location attribute",
        lambda r: r.dictionary.location_table[2].attribute_indices.append(-4),
        "location_table[2].attribute_indices[1] = -4 is out of range",
    ),
    (
        "stack location",
        lambda r: r.dictionary.stack_table[2].location_indices.append(6),
        "stack_table[2].location_indices[3] = 6 is out of range: location_table has 6 entries",
    ),
    (
        "sample type",
        lambda r: _both_profiles(r, lambda p: setattr(p.sample_type, "type_strindex", 30)),
        "profiles[0].sample_type.type_strindex = 30 is out of range",
    ),
    (
        "sample unit",
        lambda r: _both_profiles(r, lambda p: setattr(p.sample_type, "unit_strindex", 31)),
        "profiles[0].sample_type.unit_strindex = 31 is out of range",
    ),
    (
        "profile attribute",
        lambda r: _both_profiles(r, lambda p: p.attribute_indices.append(50)),
        "profiles[0].attribute_indices[0] = 50 is out of range",
    ),
    (
        "sample stack",
        lambda r: _both_profiles(r, lambda p: setattr(p.samples[0], "stack_index", 4)),
        "profiles[0].samples[0].stack_index = 4 is out of range: stack_table has 4 entries",
    ),
    (
        "sample attribute",
        lambda r: _both_profiles(r, lambda p: p.samples[0].attribute_indices.append(13)),
        "profiles[0].samples[0].attribute_indices[",
    ),
    (
        "sample link",
        lambda r: _both_profiles(r, lambda p: setattr(p.samples[0], "link_index", 2)),
        "profiles[0].samples[0].link_index = 2 is out of range: link_table has 1 entries",
    ),
    (
        "timestamp beyond int64",
        lambda r: _both_profiles(r, lambda p: p.samples[0].timestamps_unix_nano.append(1 << 63)),
        "profiles[0]: timestamp 9223372036854775808 ns is beyond the year 2262",
    ),
    (
        "several values without timestamps",
        _values_without_timestamps,
        "profiles[0].samples[3] has 2 values and no timestamps",
    ),
    (
        "proto v1.9 sample numbering",
        _old_agent_sample,
        "this looks like an agent speaking proto v1.9 or older",
    ),
]


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
