"""Walk generated requests the way a reader of the wire format would, for the checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceRequest,
)

from devfiler.loadgen.params import LoadParams
from devfiler.loadgen.requests import Batch, generate

START_NS = 1_700_000_000_000_000_000


def small_params(**overrides: Any) -> LoadParams:
    values: dict[str, Any] = {
        "start_ns": START_NS,
        "seed": 7,
        "rate": 4000.0,
        "duration_s": 12.0,
        "processes": 13,
        "threads": 4,
    }
    values.update(overrides)
    return LoadParams(**values)


def batches(params: LoadParams) -> list[Batch]:
    return list(generate(params))


def profiles(request: ExportProfilesServiceRequest) -> Iterator[Any]:
    for resource in request.resource_profiles:
        for scope in resource.scope_profiles:
            yield from scope.profiles


def attributes(request: ExportProfilesServiceRequest, indices: Any) -> dict[str, Any]:
    d = request.dictionary
    result = {}
    for i in indices:
        entry = d.attribute_table[i]
        value = entry.value
        result[d.string_table[entry.key_strindex]] = getattr(value, value.WhichOneof("value"))
    return result


def frame_type(request: ExportProfilesServiceRequest, location: Any) -> str:
    return str(attributes(request, location.attribute_indices)["profile.frame.type"])


def timestamp_count(request: ExportProfilesServiceRequest) -> int:
    return sum(len(s.timestamps_unix_nano) for p in profiles(request) for s in p.samples)
