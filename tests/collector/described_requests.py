"""Requests built from frames as the agent describes them, numbered differently every time.

A test names its frames by content (`Described`, `Bare`) and its stacks as
lists of them; `described_request` lays them out in a dictionary whose
strings, functions, mappings and locations are shuffled by a seed, as every
agent request numbers its tables anew. `expected_collapsed` says what the
store must answer for the stacks sent, from their content alone.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.profiles.v1development.profiles_pb2 import (
    Function,
    KeyValueAndUnit,
    Line,
    Location,
    Mapping,
    Profile,
    ProfilesDictionary,
    ResourceProfiles,
    Sample,
    ScopeProfiles,
    Stack,
    ValueType,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from devfiler.model import FileId


@dataclass(frozen=True, slots=True)
class Module:
    """A mapping: a file name and, when the agent knows it, the file ID."""

    file_name: str
    file_id: FileId | None = None


@dataclass(frozen=True, slots=True)
class SentLine:
    function: str
    system_name: str = ""
    file: str = ""
    line: int = 0
    column: int = 0


@dataclass(frozen=True, slots=True)
class Described:
    """A location with lines (innermost first, as on the wire)."""

    frame_type: str
    module: Module | None
    address: int
    lines: tuple[SentLine, ...]


@dataclass(frozen=True, slots=True)
class Bare:
    """A native location without lines: devfiler symbolizes it from the executable."""

    module: Module
    address: int


Frame = Described | Bare
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SentStack:
    """A stack (leaf first), the thread it ran on and how many times it was seen."""

    frames: tuple[Frame, ...]
    thread: str
    count: int = 1


def _text(line: SentLine) -> str:
    name = line.function or line.system_name
    if not line.file:
        return name
    return f"{name} ({line.file}:{line.line})" if line.line else f"{name} ({line.file})"


def frame_texts(frame: Frame) -> list[str]:
    """The collapsed-stack boxes of one frame, outermost first."""
    if isinstance(frame, Bare):
        return [f"{os.path.basename(frame.module.file_name)}+0x{frame.address:x}"]
    return [_text(line) for line in reversed(frame.lines)]


def expected_collapsed(stacks: Sequence[SentStack]) -> Counter[str]:
    """`thread;outermost;...;leaf` -> weight, from the content of what was sent."""
    lines: Counter[str] = Counter()
    for stack in stacks:
        boxes = [text for frame in reversed(stack.frames) for text in frame_texts(frame)]
        lines[";".join([stack.thread, *boxes])] += stack.count
    return lines


def parse_collapsed(text: str) -> Counter[str]:
    lines: Counter[str] = Counter()
    for row in text.splitlines():
        stack, _, weight = row.rpartition(" ")
        lines[stack] += int(weight)
    return lines


class _Numbering(Generic[T]):
    """Values in a shuffled order, element 0 the empty placeholder."""

    def __init__(self, values: Sequence[T], rng: random.Random) -> None:
        order = list(dict.fromkeys(values))
        rng.shuffle(order)
        self.values = order
        self.index = {value: i + 1 for i, value in enumerate(order)}


def described_request(
    stacks: Sequence[SentStack], base_ns: int, seed: int, pid: int = 4242
) -> ExportProfilesServiceRequest:
    """One on-CPU report of `stacks`, its tables numbered in an order drawn from `seed`."""
    rng = random.Random(seed)
    frames = [frame for stack in stacks for frame in stack.frames]
    modules = _Numbering([f.module for f in frames if f.module is not None], rng)
    lines = [line for f in frames if isinstance(f, Described) for line in f.lines]
    functions = _Numbering([(ln.function, ln.system_name, ln.file) for ln in lines], rng)
    locations = _Numbering(frames, rng)
    texts = [
        *(m.file_name for m in modules.values),
        *(s for fn in functions.values for s in fn),
        *(s.thread for s in stacks),
        "samples",
        "count",
        "cpu",
        "nanoseconds",
    ]
    strings = _Numbering([text for text in texts if text], rng)
    string_table = ["", *strings.values]

    def string(text: str) -> int:
        return strings.index[text] if text else 0

    attributes: list[KeyValueAndUnit] = [KeyValueAndUnit()]
    attribute_index: dict[tuple[str, str], int] = {}

    def attribute(key: str, value: str) -> int:
        found = attribute_index.get((key, value))
        if found is None:
            if key not in strings.index:
                strings.index[key] = len(string_table)
                string_table.append(key)
            found = attribute_index[(key, value)] = len(attributes)
            attributes.append(
                KeyValueAndUnit(key_strindex=strings.index[key], value=AnyValue(string_value=value))
            )
        return found

    mapping_table = [Mapping()]
    for module in modules.values:
        ids = (
            [attribute("process.executable.build_id.htlhash", module.file_id.hex())]
            if module.file_id is not None
            else []
        )
        mapping_table.append(
            Mapping(
                memory_start=0x7F00_0000_0000,
                memory_limit=0x7F00_0100_0000,
                filename_strindex=string(module.file_name),
                attribute_indices=ids,
            )
        )
    function_table = [Function()]
    for name, system_name, file in functions.values:
        function_table.append(
            Function(
                name_strindex=string(name),
                system_name_strindex=string(system_name),
                filename_strindex=string(file),
            )
        )
    location_table = [Location()]
    for frame in locations.values:
        mapping = modules.index[frame.module] if frame.module is not None else 0
        if isinstance(frame, Bare):
            frame_type, wire_lines = "native", []
        else:
            frame_type = frame.frame_type
            wire_lines = [
                Line(
                    function_index=functions.index[(ln.function, ln.system_name, ln.file)],
                    line=ln.line,
                    column=ln.column,
                )
                for ln in frame.lines
            ]
        location_table.append(
            Location(
                mapping_index=mapping,
                address=frame.address,
                lines=wire_lines,
                attribute_indices=[attribute("profile.frame.type", frame_type)],
            )
        )
    stack_table = [Stack()]
    stack_index: dict[tuple[Frame, ...], int] = {}
    for stack in stacks:
        if stack.frames not in stack_index:
            stack_index[stack.frames] = len(stack_table)
            stack_table.append(Stack(location_indices=[locations.index[f] for f in stack.frames]))
    samples = []
    for i, stack in enumerate(stacks):
        stamps = [base_ns + i * 1_000_000 + k for k in range(stack.count)]
        samples.append(
            Sample(
                stack_index=stack_index[stack.frames],
                attribute_indices=[attribute("thread.name", stack.thread)],
                timestamps_unix_nano=stamps,
            )
        )
    profile = Profile(
        sample_type=ValueType(type_strindex=string("samples"), unit_strindex=string("count")),
        period_type=ValueType(type_strindex=string("cpu"), unit_strindex=string("nanoseconds")),
        period=50_000_000,
        time_unix_nano=base_ns,
        duration_nano=5_000_000_000,
        samples=samples,
    )
    return ExportProfilesServiceRequest(
        dictionary=ProfilesDictionary(
            string_table=string_table,
            attribute_table=attributes,
            mapping_table=mapping_table,
            location_table=location_table,
            function_table=function_table,
            stack_table=stack_table,
        ),
        resource_profiles=[
            ResourceProfiles(
                resource=Resource(
                    attributes=[KeyValue(key="process.pid", value=AnyValue(int_value=pid))]
                ),
                scope_profiles=[ScopeProfiles(profiles=[profile])],
            )
        ],
    )
