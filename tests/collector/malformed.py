"""Malformed requests, each with the words its refusal must contain.

Every row is a change to a fresh `decoder_request.build()`; the decoder's
tests check each refusal directly, the server's tests over gRPC, with
nothing stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceRequest,
)


def _profile(req: ExportProfilesServiceRequest, i: int = 0) -> Any:
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
