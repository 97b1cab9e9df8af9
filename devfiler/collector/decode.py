"""OTLP ExportProfilesServiceRequest -> validated IngestBatch (pure, no grpc).

The sample loop is the hot path of ingest: it touches each Sample once,
caches everything keyed by (stack, attributes), collects timestamps with
list.extend and leaves the rest to numpy. A request whose dictionary cannot
be read is refused whole; a profile whose samples cannot be read is rejected
alone (reported through partial_success) unless every profile is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from google.protobuf.unknown_fields import UnknownFieldSet

from devfiler.collector.dictionary import AttributeValue, Dictionary
from devfiler.collector.errors import OLD_AGENT_HINT, InvalidRequestError
from devfiler.collector.frames import FrameTable
from devfiler.model import EventContext, SampleKind, Trace
from devfiler.storage.batch import EventRows, IngestBatch

log = logging.getLogger(__name__)
_INT64_MAX = (1 << 63) - 1


@dataclass(frozen=True, slots=True)
class DecodeResult:
    batch: IngestBatch
    samples: int
    """Events in the batch (one per timestamp)."""
    rejected_profiles: int = 0
    error_message: str = ""


class _Accumulator:
    """Columns of one sample kind, filled sample by sample."""

    __slots__ = ("counts", "groups", "timestamps", "weights")

    def __init__(self) -> None:
        self.timestamps: list[int] = []
        self.weights: list[int] = []
        self.groups: list[int] = []
        self.counts: list[int] = []


class _Contexts:
    """Distinct event contexts of the request, in first-seen order."""

    def __init__(self) -> None:
        self.index: dict[EventContext, int] = {}

    def add(self, context: EventContext) -> int:
        found = self.index.get(context)
        if found is None:
            found = self.index[context] = len(self.index)
        return found


def _int(value: AttributeValue, default: int) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return default


def _resource_attributes(resource_profiles: Any, dictionary: Dictionary) -> dict[str, Any]:
    return {
        kv.key: dictionary.any_value(kv.value, f"resource attribute {kv.key}")
        for kv in resource_profiles.resource.attributes
    }


def _looks_old(sample: Any) -> bool:
    """v1.9 samples carry attribute_indices as field 3, a packed field our link_index is not."""
    unknown = UnknownFieldSet(sample)
    return any(
        unknown[i].field_number == 3 and unknown[i].wire_type == 2 for i in range(len(unknown))
    )


class _RequestDecoder:
    def __init__(self, request: Any, received_ns: int) -> None:
        self.received_ns = received_ns
        self.dictionary = Dictionary(request.dictionary)
        self.frames = FrameTable(self.dictionary)
        self.contexts = _Contexts()
        self.traces: dict[int, int] = {}
        self.trace_list: list[Trace] = []
        self.accumulators: dict[SampleKind, _Accumulator] = {}
        self.rows: list[EventRows] = []

    def _trace_index(self, stack_index: int) -> int:
        found = self.traces.get(stack_index)
        if found is None:
            trace = self.frames.trace(stack_index)
            found = self.traces[stack_index] = len(self.trace_list)
            self.trace_list.append(trace)
        return found

    def profile(self, profile: Any, where: str, resource: dict[str, Any]) -> None:
        """Decode one profile into fresh columns, committed only when all of it reads."""
        d = self.dictionary
        type_name = d.string(
            profile.sample_type.type_strindex, f"{where}.sample_type.type_strindex"
        )
        unit = d.string(profile.sample_type.unit_strindex, f"{where}.sample_type.unit_strindex")
        kind = SampleKind.from_sample_type(type_name, unit)
        d.attribute_indices(profile.attribute_indices, f"{where}.attribute_indices")
        samples = profile.samples
        if len(samples) and _looks_old(samples[0]):
            raise InvalidRequestError(
                f"{where}.samples[0] has an unknown field 3: {OLD_AGENT_HINT}"
            )
        base_context = EventContext(
            pid=_int(resource.get("process.pid"), 0),
            executable_path=str(resource.get("process.executable.path") or ""),
            executable_name=str(resource.get("process.executable.name") or ""),
            container_id=str(resource.get("container.id") or ""),
            service_name=str(resource.get("service.name") or ""),
        )
        acc = _Accumulator()
        groups: dict[tuple[int, tuple[int, ...]], int] = {}
        group_keys: list[tuple[int, int]] = []
        n_stacks = len(d.stacks)
        n_links = d.link_count
        counted = kind is not SampleKind.OFF_CPU
        timestamps_extend = acc.timestamps.extend
        for i, sample in enumerate(samples):
            stack_index = sample.stack_index
            attrs = tuple(sample.attribute_indices)
            key = (stack_index, attrs)
            group = groups.get(key)
            if group is None:
                group = self._new_group(
                    key, f"{where}.samples[{i}]", n_stacks, base_context, group_keys, sample
                )
                groups[key] = group
            if sample.link_index and not 0 <= sample.link_index < n_links:
                raise InvalidRequestError(
                    f"{where}.samples[{i}].link_index = {sample.link_index} is out of range: "
                    f"link_table has {n_links} entries"
                )
            stamps = sample.timestamps_unix_nano
            n = len(stamps)
            values = sample.values
            if n:
                timestamps_extend(stamps)
                acc.groups.append(group)
                acc.counts.append(n)
                if not counted:
                    acc.weights.extend(_weights(values, n, f"{where}.samples[{i}]"))
            else:
                acc.timestamps.append(self.received_ns)
                acc.groups.append(group)
                acc.counts.append(1)
                if not counted:
                    acc.weights.append(int(sum(values)) if len(values) else 0)
                elif len(values) > 1:
                    raise InvalidRequestError(
                        f"{where}.samples[{i}] has {len(values)} values and no timestamps"
                    )
        self._commit(kind, acc, group_keys, where)

    def _new_group(
        self,
        key: tuple[int, tuple[int, ...]],
        where: str,
        n_stacks: int,
        base: EventContext,
        group_keys: list[tuple[int, int]],
        sample: Any,
    ) -> int:
        stack_index, attrs = key
        d = self.dictionary
        if not 0 <= stack_index < max(n_stacks, 1) or n_stacks == 0:
            hint = f"; {OLD_AGENT_HINT}" if _looks_old(sample) else ""
            raise InvalidRequestError(
                f"{where}.stack_index = {stack_index} is out of range: "
                f"stack_table has {n_stacks} entries{hint}"
            )
        try:
            values = dict(d.attribute_indices(attrs, f"{where}.attribute_indices"))
        except InvalidRequestError as error:
            if _looks_old(sample):
                raise InvalidRequestError(f"{error}; {OLD_AGENT_HINT}") from None
            raise
        context = EventContext(
            thread_name=str(values.get("thread.name") or ""),
            thread_id=_int(values.get("thread.id"), 0),
            cpu=_int(values.get("cpu.logical_number"), -1),
            pid=base.pid,
            executable_path=base.executable_path,
            executable_name=base.executable_name,
            container_id=base.container_id,
            service_name=base.service_name,
        )
        group_keys.append((stack_index, self.contexts.add(context)))
        return len(group_keys) - 1

    def _commit(
        self, kind: SampleKind, acc: _Accumulator, group_keys: list[tuple[int, int]], where: str
    ) -> None:
        if not acc.counts:
            return
        try:
            timestamps = np.array(acc.timestamps, dtype=np.uint64)
        except OverflowError:
            raise InvalidRequestError(f"{where}: a timestamp is negative or too large") from None
        if timestamps.size and int(timestamps.max()) > _INT64_MAX:
            raise InvalidRequestError(
                f"{where}: timestamp {int(timestamps.max())} ns is beyond the year 2262"
            )
        counts = np.array(acc.counts, dtype=np.int64)
        group_of_event = np.repeat(np.array(acc.groups, dtype=np.int64), counts)
        keys = np.array(
            [(self._trace_index(stack), context) for stack, context in group_keys], dtype=np.int64
        ).reshape(-1, 2)
        weights = (
            np.array(acc.weights, dtype=np.int64)
            if kind is SampleKind.OFF_CPU
            else np.ones(len(timestamps), dtype=np.int64)
        )
        rows = EventRows(
            kind,
            timestamps.astype(np.int64),
            keys[group_of_event, 0].astype(np.uint32),
            keys[group_of_event, 1].astype(np.uint32),
            weights,
        )
        self.rows.append(rows)


def _weights(values: Any, n: int, where: str) -> list[int]:
    """Off-CPU nanoseconds per timestamp: value i belongs to timestamp i."""
    if len(values) == n:
        return list(values)
    if not len(values):
        return [0] * n
    total = int(sum(values))
    share, rest = divmod(total, n)
    return [share + rest] + [share] * (n - 1)


def decode_request(request: Any, received_ns: int) -> DecodeResult:
    """Validate and convert a request; raise InvalidRequestError when nothing can be stored."""
    decoder = _RequestDecoder(request, received_ns)
    errors: list[str] = []
    total_profiles = 0
    for r, resource_profiles in enumerate(request.resource_profiles):
        resource = _resource_attributes(resource_profiles, decoder.dictionary)
        decoder.frames.attach_path(str(resource.get("process.executable.path") or ""))
        for s, scope_profiles in enumerate(resource_profiles.scope_profiles):
            for p, profile in enumerate(scope_profiles.profiles):
                total_profiles += 1
                where = f"resource_profiles[{r}].scope_profiles[{s}].profiles[{p}]"
                try:
                    decoder.profile(profile, where, resource)
                except InvalidRequestError as error:
                    errors.append(str(error))
    if errors and len(errors) == total_profiles:
        more = f" (and {len(errors) - 1} more profiles)" if len(errors) > 1 else ""
        raise InvalidRequestError(errors[0] + more)
    rows = _merge_by_kind(decoder.rows)
    batch = IngestBatch(
        traces=decoder.trace_list,
        frames=decoder.frames.frames,
        executables=list(decoder.frames.executables.values()),
        contexts=list(decoder.contexts.index),
        events=rows,
    )
    return DecodeResult(
        batch=batch,
        samples=batch.event_count,
        rejected_profiles=len(errors),
        error_message="; ".join(errors),
    )


def _merge_by_kind(rows: list[EventRows]) -> list[EventRows]:
    """One EventRows per kind, so the store writes one block per (second, kind)."""
    by_kind: dict[SampleKind, list[EventRows]] = {}
    for r in rows:
        by_kind.setdefault(r.kind, []).append(r)
    merged = []
    for kind, parts in by_kind.items():
        if len(parts) == 1:
            merged.append(parts[0])
            continue
        merged.append(
            EventRows(
                kind,
                np.concatenate([p.timestamps for p in parts]),
                np.concatenate([p.trace_index for p in parts]),
                np.concatenate([p.context_index for p in parts]),
                np.concatenate([p.weights for p in parts]),
            )
        )
    return merged
