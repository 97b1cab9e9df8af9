"""A pprof profile as an OTLP request, so that it is stored the way the agent's are.

Sample types: devfiler's own (`samples`, `off_cpu`, `events`, `unknown`, as
`devfiler export pprof` writes them) keep their kinds. Otherwise `cpu` in
nanoseconds with a period becomes on-CPU events (value / period), a `count`
type becomes events of unknown kind, and a `nanoseconds` type becomes
off-CPU time; the notes say which column was taken and which were left.
pprof has no time per sample: the events are spread evenly over the
profile's duration. Labels named like the agent's attributes (thread.name,
process.pid, ...) give the events their thread and process; without them
the thread is named after the main binary. Frames keep their functions and
lines (Go profiles' frames are Go frames, others native), locations their
mapping and address.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from google.protobuf.message import DecodeError

from devfiler.export.otlp_builder import (
    MAX_EVENTS,
    Attribute,
    ConversionError,
    Converted,
    RequestBuilder,
)
from devfiler.export.pprof_messages import Profile
from devfiler.model import SampleKind

_OWN_TYPES = {
    "samples": SampleKind.ON_CPU,
    "off_cpu": SampleKind.OFF_CPU,
    "events": SampleKind.UPROBE,
    "unknown": SampleKind.UNKNOWN,
}
_BECOMES = {
    SampleKind.ON_CPU: "on-CPU events",
    SampleKind.OFF_CPU: "off-CPU time",
    SampleKind.UPROBE: "uprobe events",
    SampleKind.UNKNOWN: "events of unknown kind",
}
_THREAD_LABELS = ("thread.name", "thread.id")
_RESOURCE_LABELS = (
    "process.pid",
    "process.executable.path",
    "process.executable.name",
    "container.id",
    "service.name",
)
_HEX = re.compile(r"^[0-9a-fA-F]+$")


@dataclass(frozen=True, slots=True)
class Column:
    """A value column taken: its index, the kind it becomes and the divisor of its values."""

    index: int
    kind: SampleKind
    divisor: int = 1


def parse_pprof(data: bytes) -> Any:
    try:
        profile = Profile.FromString(data)
    except DecodeError as error:
        raise ConversionError(f"not a readable pprof profile: {error}") from None
    if not profile.string_table or profile.string_table[0] != "":
        raise ConversionError("not a pprof profile: string_table[0] must be the empty string")
    return profile


def _string(profile: Any, index: int, where: str) -> str:
    if not 0 <= index < len(profile.string_table):
        raise ConversionError(
            f"{where} = {index} is out of range: string_table has "
            f"{len(profile.string_table)} entries"
        )
    return str(profile.string_table[index])


def choose_columns(profile: Any) -> tuple[list[Column], list[str]]:
    """Which value columns become events, and notes on what was made of them."""
    types = [
        (
            _string(profile, t.type, f"sample_type[{i}].type"),
            _string(profile, t.unit, f"sample_type[{i}].unit"),
        )
        for i, t in enumerate(profile.sample_type)
    ]
    if not types:
        raise ConversionError("the profile has no sample_type: nothing to count")
    own = [Column(i, _OWN_TYPES[name]) for i, (name, _) in enumerate(types) if name in _OWN_TYPES]
    named = ", ".join(f"{name}/{unit}" for name, unit in types)
    if own:
        taken = {column.index for column in own}
        notes = [f"{'/'.join(types[c.index])} became {_BECOMES[c.kind]}" for c in own]
        left = [f"{name}/{unit}" for i, (name, unit) in enumerate(types) if i not in taken]
        if left:
            notes.append(f"{', '.join(left)} not imported")
        return own, notes
    period = int(profile.period)
    for i, (name, unit) in enumerate(types):
        if name == "cpu" and unit == "nanoseconds" and period > 0:
            return [Column(i, SampleKind.ON_CPU, period)], [
                f"{name}/{unit} became on-CPU events (one per {period} ns period); "
                f"sample types were {named}"
            ]
    for i, (name, unit) in enumerate(types):
        if unit == "count":
            return [Column(i, SampleKind.UNKNOWN)], [
                f"{name}/{unit} became events of unknown kind; sample types were {named}"
            ]
    for i, (name, unit) in enumerate(types):
        if unit == "nanoseconds":
            return [Column(i, SampleKind.OFF_CPU)], [
                f"{name}/{unit} became off-CPU time; sample types were {named}"
            ]
    raise ConversionError(f"no sample type devfiler can show (counts or nanoseconds): {named}")


class _Frames:
    """pprof locations as OTLP locations, each converted once."""

    def __init__(self, profile: Any, builder: RequestBuilder) -> None:
        self._profile = profile
        self._builder = builder
        self._functions = {f.id: f for f in profile.function}
        self._mappings = {m.id: m for m in profile.mapping}
        self._locations = {loc.id: loc for loc in profile.location}
        self._done: dict[int, int] = {}
        self._otlp_mappings: dict[int, int] = {}
        self.is_go = any(
            _string(profile, f.name, f"function {f.id} name").startswith("runtime.")
            for f in profile.function
        )

    def location(self, location_id: int, where: str) -> int:
        found = self._done.get(location_id)
        if found is not None:
            return found
        location = self._locations.get(location_id)
        if location is None:
            raise ConversionError(f"{where} names location {location_id}, which the profile lacks")
        lines = []
        for j, line in enumerate(location.line):
            function = self._functions.get(line.function_id)
            if function is None:
                raise ConversionError(
                    f"location {location_id} line {j} names function {line.function_id}, "
                    "which the profile lacks"
                )
            p = self._profile
            lines.append(
                (
                    self._builder.function(
                        _string(p, function.name, f"function {function.id} name"),
                        _string(p, function.filename, f"function {function.id} filename"),
                        _string(p, function.system_name, f"function {function.id} system_name"),
                    ),
                    int(line.line),
                )
            )
        mapping = self._mapping(location.mapping_id, location_id, bool(lines))
        frame_type = "go" if self.is_go and lines else "native"
        found = self._done[location_id] = self._builder.location(
            mapping, int(location.address), lines, frame_type
        )
        return found

    def _mapping(self, mapping_id: int, location_id: int, has_lines: bool) -> int:
        """The OTLP mapping; a frame with neither lines nor mapping gets an unnamed one,
        as a location without both would read as an unwinding error."""
        if not mapping_id:
            return 0 if has_lines else self._builder.mapping("[unknown]")
        found = self._otlp_mappings.get(mapping_id)
        if found is not None:
            return found
        mapping = self._mappings.get(mapping_id)
        if mapping is None:
            raise ConversionError(
                f"location {location_id} names mapping {mapping_id}, which the profile lacks"
            )
        name = _string(self._profile, mapping.filename, f"mapping {mapping_id} filename")
        build_id = _string(self._profile, mapping.build_id, f"mapping {mapping_id} build_id")
        attributes: list[Attribute] = []
        if len(build_id) == 32 and _HEX.match(build_id):
            attributes.append(("process.executable.build_id.htlhash", build_id.lower()))
        elif build_id and _HEX.match(build_id):
            attributes.append(("process.executable.build_id.gnu", build_id.lower()))
        elif build_id:
            attributes.append(("process.executable.build_id.go", build_id))
        found = self._otlp_mappings[mapping_id] = self._builder.mapping(name, attributes)
        return found


def _contexts(
    profile: Any, sample: Any, default_thread: str, main_binary: str, s: int
) -> tuple[tuple[Attribute, ...], tuple[Attribute, ...]]:
    """(resource attributes, thread attributes) of a sample, from its labels."""
    values: dict[str, str | int] = {}
    for j, label in enumerate(sample.label):
        key = _string(profile, label.key, f"sample[{s}].label[{j}].key")
        if key in _THREAD_LABELS or key in _RESOURCE_LABELS:
            values[key] = (
                _string(profile, label.str, f"sample[{s}].label[{j}].str")
                if label.str
                else int(label.num)
            )
    if "thread.name" not in values:
        values["thread.name"] = default_thread
    if "process.executable.path" not in values and main_binary:
        values["process.executable.path"] = main_binary
        values.setdefault("process.executable.name", os.path.basename(main_binary))
    resource = tuple((k, values[k]) for k in _RESOURCE_LABELS if k in values)
    thread = tuple((k, values[k]) for k in _THREAD_LABELS if k in values)
    return resource, thread


def pprof_request(profile: Any, received_ns: int) -> Converted:
    """The profile as one request; raises ConversionError naming what is wrong."""
    columns, notes = choose_columns(profile)
    builder = RequestBuilder()
    frames = _Frames(profile, builder)
    main_binary = ""
    if profile.mapping:
        main_binary = _string(profile, profile.mapping[0].filename, "mapping[0].filename")
    default_thread = os.path.basename(main_binary) or "pprof"
    width = len(profile.sample_type)
    rows: list[tuple[Any, list[int], list[int]]] = []
    for s, sample in enumerate(profile.sample):
        if len(sample.value) != width:
            raise ConversionError(
                f"sample[{s}] has {len(sample.value)} values for {width} sample types"
            )
        stack = builder.stack([frames.location(i, f"sample[{s}]") for i in sample.location_id])
        resource, thread = _contexts(profile, sample, default_thread, main_binary, s)
        attributes = [builder.attribute(k, v) for k, v in thread]
        amounts = []
        for column in columns:
            value = int(sample.value[column.index])
            if value < 0:
                raise ConversionError(f"sample[{s}] has a negative value {value}")
            amounts.append(value // column.divisor if column.divisor > 1 else value)
        rows.append(((resource, stack, tuple(attributes)), amounts, attributes))
    counts = np.array(
        [[_events(c, a) for c, a in zip(columns, amounts, strict=True)] for _, amounts, _ in rows],
        dtype=np.int64,
    ).reshape(len(rows), len(columns))
    total = int(counts.sum())
    if total > MAX_EVENTS:
        raise ConversionError(
            f"the profile holds {total} events, more than devfiler imports ({MAX_EVENTS})"
        )
    start = int(profile.time_nanos) or received_ns
    duration = max(int(profile.duration_nanos), 1)
    times = start + (np.arange(total, dtype=np.int64) * duration) // max(total, 1)
    at = 0
    for (key, amounts, attributes), row_counts in zip(rows, counts.tolist(), strict=True):
        resource, stack, _ = key
        for column, amount, count in zip(columns, amounts, row_counts, strict=True):
            if not count:
                continue
            sample = builder.profile(resource, column.kind).samples.add(
                stack_index=stack,
                attribute_indices=attributes,
                timestamps_unix_nano=times[at : at + count].tolist(),
            )
            if column.kind is SampleKind.OFF_CPU:
                sample.values.append(amount)
            at += count
    for profile_message in builder.request.resource_profiles:
        for scope in profile_message.scope_profiles:
            for otlp in scope.profiles:
                otlp.time_unix_nano = start
                otlp.duration_nano = duration
    return Converted(builder.request, total, tuple(notes))


def _events(column: Column, amount: int) -> int:
    """Events a value makes: one per count, one per off-CPU value (it carries the time)."""
    if column.kind is SampleKind.OFF_CPU:
        return 1 if amount else 0
    return amount
