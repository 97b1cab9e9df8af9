"""Cut a run into the agent's 5 s batches: one ExportProfilesServiceRequest per batch and kind.

Within a batch, occurrences of the same stack on the same thread are one
sample with several timestamps (real nanosecond times inside the window),
as the agent aggregates them. Off-CPU samples carry one value per timestamp:
the nanoseconds the thread was off the CPU.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.profiles.v1development.profiles_pb2 import Profile

from devfiler.collector.request_tables import SAMPLE_TYPES, any_value
from devfiler.loadgen.dictionary import DictionaryBuilder
from devfiler.loadgen.params import BATCH_NS, LoadParams
from devfiler.loadgen.world import Process, World, build_world
from devfiler.model import SampleKind

SAMPLING_HZ = 20
"""The agent's default sampling frequency; the on-CPU period is its inverse."""

_MAX_OFF_CPU_NS = 5_000_000_000


@dataclass(frozen=True, slots=True)
class Batch:
    """One request of a run and what it holds."""

    index: int
    kind: SampleKind
    window_start_ns: int
    window_end_ns: int
    request: ExportProfilesServiceRequest
    events: int
    """Timestamps in the request (sample occurrences)."""


SampleGroups = dict[tuple[int, int], list[int]]
"""(thread index, stack index) -> timestamps, for one process."""


def _occurrences(
    rng: random.Random, world: World, count: int, start_ns: int, window_ns: int
) -> dict[int, SampleGroups]:
    """Draw `count` occurrences: process, thread, stack and time of each."""
    per_process = [0] * len(world.processes)
    for p in rng.choices(range(len(world.processes)), cum_weights=world.process_weights, k=count):
        per_process[p] += 1
    result: dict[int, SampleGroups] = {}
    for p, n in enumerate(per_process):
        if not n:
            continue
        process = world.processes[p]
        threads = rng.choices(range(len(process.threads)), cum_weights=process.thread_weights, k=n)
        stacks = rng.choices(
            range(len(process.stack_weights)), cum_weights=process.stack_weights, k=n
        )
        groups: SampleGroups = {}
        for key in zip(threads, stacks, strict=True):
            groups.setdefault(key, []).append(start_ns + int(rng.random() * window_ns))
        result[p] = groups
    return result


def _resource_attributes(process: Process) -> list[KeyValue]:
    pairs: list[tuple[str, str | int]] = [
        ("process.pid", process.pid),
        ("process.executable.path", process.executable_path),
        ("process.executable.name", process.executable_name),
        ("container.id", process.container_id),
        ("service.name", process.service_name),
    ]
    return [KeyValue(key=k, value=any_value(v)) for k, v in pairs if v != ""]


def _fill_profile(
    profile: Profile,
    rng: random.Random,
    builder: DictionaryBuilder,
    kind: SampleKind,
    process: Process,
    groups: SampleGroups,
    host_cpus: int,
) -> int:
    stacks = process.stacks_of(kind)
    cpus = [rng.randrange(host_cpus) for _ in process.threads]
    events = 0
    for (t, s), timestamps in groups.items():
        thread = process.threads[t]
        timestamps.sort()
        sample = profile.samples.add(
            stack_index=builder.stack(stacks[s]),
            attribute_indices=[
                builder.attribute("thread.name", thread.name),
                builder.attribute("thread.id", thread.tid),
                builder.attribute("cpu.logical_number", cpus[t]),
            ],
            timestamps_unix_nano=timestamps,
        )
        if kind is SampleKind.OFF_CPU:
            sample.values.extend(
                min(int(rng.lognormvariate(13.8, 1.5)), _MAX_OFF_CPU_NS) for _ in timestamps
            )
        events += len(timestamps)
    return events


def build_request(
    rng: random.Random,
    world: World,
    kind: SampleKind,
    count: int,
    start_ns: int,
    window_ns: int,
) -> tuple[ExportProfilesServiceRequest, int]:
    """One request with `count` occurrences of `kind`; returns it and its event count."""
    request = ExportProfilesServiceRequest()
    builder = DictionaryBuilder(request.dictionary, world.frames)
    type_name, unit = SAMPLE_TYPES[kind]
    events = 0
    for p, groups in _occurrences(rng, world, count, start_ns, window_ns).items():
        process = world.processes[p]
        resource = request.resource_profiles.add()
        resource.resource.attributes.extend(_resource_attributes(process))
        profile = resource.scope_profiles.add().profiles.add(
            time_unix_nano=start_ns,
            duration_nano=window_ns,
            profile_id=rng.getrandbits(128).to_bytes(16, "big"),
        )
        profile.sample_type.type_strindex = builder.string(type_name)
        profile.sample_type.unit_strindex = builder.string(unit)
        if kind is SampleKind.ON_CPU:
            profile.period_type.type_strindex = builder.string("cpu")
            profile.period_type.unit_strindex = builder.string("nanoseconds")
            profile.period = 1_000_000_000 // SAMPLING_HZ
        events += _fill_profile(profile, rng, builder, kind, process, groups, world.cpus)
    return request, events


def generate(params: LoadParams, world: World | None = None) -> Iterator[Batch]:
    """Every request of the run, in sending order: per 5 s window, one per enabled kind.

    Counts follow the rate exactly over the whole run (rounding carries over
    from one window to the next); the last window may be shorter.
    """
    world = world if world is not None else build_world(params)
    rng = random.Random(f"{params.seed}/requests")
    total_ns = int(params.duration_s * 1e9)
    windows = math.ceil(total_ns / BATCH_NS)
    index = 0
    for w in range(windows):
        begin = w * BATCH_NS
        end = min(begin + BATCH_NS, total_ns)
        for kind in params.kinds:
            rate = params.kind_rate(kind)
            count = round(rate * end / 1e9) - round(rate * begin / 1e9)
            if count <= 0:
                continue
            request, events = build_request(
                rng, world, kind, count, params.start_ns + begin, end - begin
            )
            index += 1
            yield Batch(
                index, kind, params.start_ns + begin, params.start_ns + end, request, events
            )
