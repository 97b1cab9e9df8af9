"""OTLP ExportProfilesServiceRequest bytes -> validated IngestBatch (pure, no grpc).

The request is parsed with the bulk left raw (collector/shadow.py); the
dictionary's small tables are checked in Python, locations, stacks and
samples column-wise (collector/locations.py, collector/samples.py). A request
whose dictionary cannot be read is refused whole; a profile whose samples
cannot be read is rejected alone (reported through partial_success) unless
every profile is.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from google.protobuf.message import DecodeError, Message

from devfiler.collector import limits
from devfiler.collector.dictionary import AttributeValue, Dictionary, read_entries
from devfiler.collector.errors import InvalidRequestError
from devfiler.collector.frame_cache import FrameCache
from devfiler.collector.limits import check_each, check_limit
from devfiler.collector.locations import FrameTable
from devfiler.collector.prescan import check_list_sizes
from devfiler.collector.samples import ProfileSamples, SampleTables, decode_samples
from devfiler.collector.shadow import (
    RawKeyValue,
    RawProfile,
    RawRequest,
    RawResourceProfiles,
    RawScopeProfiles,
    parse_part,
)
from devfiler.distinct import small_unique
from devfiler.model import EventContext, SampleKind
from devfiler.storage.batch import IngestBatch


@dataclass(frozen=True, slots=True)
class DecodeResult:
    batch: IngestBatch
    samples: int
    """Events in the batch (one per timestamp)."""
    rejected_profiles: int = 0
    error_message: str = ""


def _int(value: AttributeValue, default: int) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return default


_ContextKey = tuple[str, int, int, int, str, str, str, str]
"""An EventContext's fields in order, as a plain tuple: hashed without a Python call."""

CONTEXTS_KEPT = 16_384
"""Contexts kept across requests (a busy host: a few hundred threads)."""


@functools.lru_cache(maxsize=CONTEXTS_KEPT)
def _context(key: _ContextKey) -> EventContext:
    """Contexts are kept by their fields: the same threads send again every request, and
    a lookup costs a fraction of building a new EventContext."""
    return EventContext(*key)


def _resource_fields(base: EventContext) -> tuple[int, str, str, str, str]:
    return (
        base.pid,
        base.executable_path,
        base.executable_name,
        base.container_id,
        base.service_name,
    )


class _Contexts:
    """Distinct event contexts of the request, in first-seen order.

    What each attribute says about a context (thread name, thread ID or CPU,
    already converted) is worked out once per attribute, and what the
    resource says once per profile, not once per sample row.
    """

    def __init__(self, dictionary: Dictionary, bases: list[EventContext]) -> None:
        self._names: dict[int, str] = {}
        self._thread_ids: dict[int, int] = {}
        self._cpus: dict[int, int] = {}
        for i, (key, value) in enumerate(dictionary.attributes):
            if not i:
                continue
            if key == "thread.name":
                self._names[i] = str(value or "")
            elif key == "thread.id":
                self._thread_ids[i] = _int(value, 0)
            elif key == "cpu.logical_number":
                self._cpus[i] = _int(value, -1)
        self._resources = [_resource_fields(base) for base in bases]
        self._index: dict[_ContextKey, int] = {}
        self.contexts: list[EventContext] = []

    def add(self, profile: int, attributes: tuple[int, ...]) -> int:
        """The context of a sample of profile `profile` with these attribute indices."""
        name, thread_id, cpu = "", 0, -1
        names, thread_ids, cpus = self._names, self._thread_ids, self._cpus
        for i in attributes:
            if i in names:
                name = names[i]
            elif i in thread_ids:
                thread_id = thread_ids[i]
            elif i in cpus:
                cpu = cpus[i]
        key = (name, thread_id, cpu, *self._resources[profile])
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self.contexts)
            self.contexts.append(_context(key))
        return found


def _base_context(resource_profiles: Any, dictionary: Dictionary, where: str) -> EventContext:
    attributes = resource_profiles.resource.attributes
    check_each(len(attributes), limits.ATTRIBUTE_INDICES, "resource attributes", where)
    raw_attributes = tuple(attributes)
    small = sum(map(len, raw_attributes)) <= _KEPT_RESOURCE_BYTES
    known = _known_plain_context(raw_attributes) if small else None
    if known is not None:
        return known
    return _resource_context(
        tuple(
            (entry.key, dictionary.value(entry, f"resource attribute {entry.key}"))
            for entry in read_entries(RawKeyValue, raw_attributes, f"{where}.resource.attributes")
        )
    )


def _resource_context(attributes: tuple[tuple[str, AttributeValue], ...]) -> EventContext:
    attrs = dict(attributes)
    return EventContext(
        pid=_int(attrs.get("process.pid"), 0),
        executable_path=str(attrs.get("process.executable.path") or ""),
        executable_name=str(attrs.get("process.executable.name") or ""),
        container_id=str(attrs.get("container.id") or ""),
        service_name=str(attrs.get("service.name") or ""),
    )


_KEPT_RESOURCE_BYTES = 4096


@functools.lru_cache(maxsize=2048)
def _known_plain_context(raw_attributes: tuple[bytes, ...]) -> EventContext | None:
    """The context of resource attributes that need no string table, kept by their bytes:
    every request names the same processes again. None for attributes that refer to the
    request's strings or cannot be read (the caller then goes through them one by one).
    Only small resources are kept, so that this stays a few MiB whatever senders send."""
    try:
        entries = read_entries(RawKeyValue, raw_attributes, "resource.attributes")
    except InvalidRequestError:
        return None
    if any(entry.value_strindex is not None for entry in entries):
        return None
    return _resource_context(tuple((entry.key, entry.value) for entry in entries))


def parse_request(payload: bytes) -> Any:
    """Parse request bytes with the bulk left raw; unreadable bytes are refused."""
    try:
        return RawRequest.FromString(payload)
    except DecodeError as error:
        raise InvalidRequestError(
            f"request is not a valid ExportProfilesServiceRequest: {error}"
        ) from None


def decode_request(
    request: bytes | Message, received_ns: int, frame_cache: FrameCache | None = None
) -> DecodeResult:
    """Validate and convert a request; raise InvalidRequestError when nothing can be stored.

    Takes the request's bytes (the collector's path) or a message (tests,
    importers), which is serialized first. The collector passes one
    `frame_cache` for all its requests.
    """
    frame_cache = frame_cache if frame_cache is not None else FrameCache()
    payload = request if isinstance(request, bytes) else request.SerializeToString()
    check_list_sizes(payload, "the request")
    raw = parse_request(payload)
    check_limit(len(raw.resource_profiles), limits.RESOURCE_PROFILES, "resource_profiles")
    dictionary = Dictionary(raw.dictionary)
    resources = _profiles_by_resource(raw, dictionary)
    frames = FrameTable(
        dictionary, raw.dictionary.location_table, raw.dictionary.stack_table, frame_cache
    )
    profiles: list[ProfileSamples] = []
    errors: list[str] = []
    total = 0
    for base, parts in resources:
        frames.attach_path(base.executable_path)
        for where, profile in parts:
            total += 1
            try:
                kind = _profile_kind(profile, dictionary, where)
            except InvalidRequestError as error:
                errors.append(str(error))
                continue
            profiles.append(ProfileSamples(kind, base, where, profile.samples))
    contexts = _Contexts(dictionary, [profile.base for profile in profiles])
    tables = SampleTables(
        stacks=frames.stack_count,
        attributes=len(dictionary.attributes),
        links=dictionary.link_count,
        context_of=contexts.add,
    )
    decoded = decode_samples(profiles, tables, received_ns)
    errors.extend(decoded.errors[i] for i in sorted(decoded.errors))
    if errors and len(errors) == total:
        more = f" (and {len(errors) - 1} more profiles)" if len(errors) > 1 else ""
        raise InvalidRequestError(errors[0] + more)
    used, _ = small_unique(
        np.concatenate([np.empty(0, np.uint32), *(rows.trace_index for rows in decoded.events)]),
        frames.stack_count,
    )
    traces, described, described_ids, bare = frames.stored_parts(used.astype(np.int64))
    batch = IngestBatch(
        traces=traces,
        frames=described,
        frame_ids=described_ids,
        bare_frames=bare,
        executables=list(frames.executables.values()),
        contexts=contexts.contexts,
        events=[
            dataclasses.replace(
                rows,
                trace_index=np.searchsorted(used, rows.trace_index).astype(np.uint32),
            )
            for rows in decoded.events
        ],
    )
    return DecodeResult(batch, batch.event_count, len(errors), "; ".join(errors))


def _profiles_by_resource(
    raw: Any, dictionary: Dictionary
) -> list[tuple[EventContext, list[tuple[str, Any]]]]:
    """Each resource's context and its profiles (with where they are), counted against the
    limits level by level before the next level is parsed."""
    resources = []
    profiles = samples = 0
    for r, raw_resource in enumerate(raw.resource_profiles):
        at = f"resource_profiles[{r}]"
        resource_profiles = parse_part(RawResourceProfiles, raw_resource, at)
        parts = []
        for s, raw_scope in enumerate(resource_profiles.scope_profiles):
            scope_profiles = parse_part(RawScopeProfiles, raw_scope, f"{at}.scope_profiles[{s}]")
            profiles += len(scope_profiles.profiles)
            check_limit(profiles, limits.PROFILES, "profiles")
            for p, raw_profile in enumerate(scope_profiles.profiles):
                where = f"{at}.scope_profiles[{s}].profiles[{p}]"
                profile = parse_part(RawProfile, raw_profile, where)
                samples += len(profile.samples)
                check_limit(samples, limits.SAMPLES, "samples")
                parts.append((where, profile))
        resources.append((_base_context(resource_profiles, dictionary, at), parts))
    return resources


def _profile_kind(profile: Any, dictionary: Dictionary, where: str) -> SampleKind:
    """Check the profile's own references; its sample type says what its samples measure."""
    sample_type = profile.sample_type
    type_name = dictionary.string(sample_type.type_strindex, f"{where}.sample_type.type_strindex")
    unit = dictionary.string(sample_type.unit_strindex, f"{where}.sample_type.unit_strindex")
    dictionary.attribute_indices(profile.attribute_indices, f"{where}.attribute_indices")
    return SampleKind.from_sample_type(type_name, unit)
