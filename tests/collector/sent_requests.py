"""Hand-built requests shaped like the agent's, and what the store must hold after them.

The request uses one deduplicated dictionary shared by every profile, mapping
attributes carrying the file IDs, and an on-CPU plus an off-CPU profile, as
the agent sends every 5 s. `expected_events` reads the expectation straight
from a request and `assert_stored_exactly` compares the store with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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

from devfiler.model import FileId, FrameId, FrameKind, SampleKind
from devfiler.storage.store import Store

LIBC = FileId.from_hex("0123456789abcdef0123456789abcdef")
LIBC_GNU_BUILD_ID = "89abcdef0123456789abcdef0123456789abcdef"
PYTHON = FileId.from_hex("fedcba9876543210fedcba9876543210")
PID = 4242
CONTAINER_ID = "c0ffee00c0ffee00"
SERVICE = "checkout"
THREADS = ("main", "worker-1")
BASE_NS = 1_700_000_000_123_456_789
ALL_TIME = (-(1 << 63), (1 << 63) - 1)


class _Dictionary:
    """Builds the shared tables the way the agent does: every value once, element 0 empty."""

    def __init__(self) -> None:
        self.proto = ProfilesDictionary(
            string_table=[""],
            attribute_table=[KeyValueAndUnit()],
            mapping_table=[Mapping()],
            location_table=[Location()],
            function_table=[Function()],
            stack_table=[Stack()],
        )
        self._strings: dict[str, int] = {"": 0}
        self._attributes: dict[tuple[str, str | int], int] = {}

    def string(self, text: str) -> int:
        found = self._strings.get(text)
        if found is None:
            found = self._strings[text] = len(self.proto.string_table)
            self.proto.string_table.append(text)
        return found

    def attribute(self, key: str, value: str | int) -> int:
        found = self._attributes.get((key, value))
        if found is None:
            any_value = (
                AnyValue(string_value=value)
                if isinstance(value, str)
                else AnyValue(int_value=value)
            )
            found = self._attributes[(key, value)] = len(self.proto.attribute_table)
            self.proto.attribute_table.append(
                KeyValueAndUnit(key_strindex=self.string(key), value=any_value)
            )
        return found

    def mapping(self, file_name: str, file_id: FileId, gnu_build_id: str = "") -> int:
        attributes = [self.attribute("process.executable.build_id.htlhash", file_id.hex())]
        if gnu_build_id:
            attributes.append(self.attribute("process.executable.build_id.gnu", gnu_build_id))
        self.proto.mapping_table.append(
            Mapping(
                memory_start=0x7F0000000000,
                memory_limit=0x7F0000200000,
                filename_strindex=self.string(file_name),
                attribute_indices=attributes,
            )
        )
        return len(self.proto.mapping_table) - 1

    def native(self, mapping: int, address: int) -> int:
        self.proto.location_table.append(
            Location(
                mapping_index=mapping,
                address=address,
                attribute_indices=[self.attribute("profile.frame.type", "native")],
            )
        )
        return len(self.proto.location_table) - 1

    def python(self, function: str, file: str, line: int) -> int:
        self.proto.function_table.append(
            Function(name_strindex=self.string(function), filename_strindex=self.string(file))
        )
        self.proto.location_table.append(
            Location(
                lines=[Line(function_index=len(self.proto.function_table) - 1, line=line)],
                attribute_indices=[self.attribute("profile.frame.type", "cpython")],
            )
        )
        return len(self.proto.location_table) - 1

    def stack(self, locations: list[int]) -> int:
        self.proto.stack_table.append(Stack(location_indices=locations))
        return len(self.proto.stack_table) - 1

    def thread(self, name: str, tid: int, cpu: int) -> list[int]:
        return [
            self.attribute("thread.name", name),
            self.attribute("thread.id", tid),
            self.attribute("cpu.logical_number", cpu),
        ]


@dataclass(frozen=True, slots=True)
class ExpectedEvent:
    timestamp: int
    kind: SampleKind
    weight: int
    thread_name: str
    native_frames: tuple[FrameId, ...]
    """The native frames of the event's stack, leaf first."""
    kinds: tuple[FrameKind, ...]
    collapsed: str
    """Thread and stack as `devfiler query traces --collapsed` prints them, outermost first."""


def agent_request(base_ns: int, occurrences: int = 5) -> ExportProfilesServiceRequest:
    """One 5 s report of a Python process: two on-CPU stacks and one off-CPU stack.

    Every sample has `occurrences` timestamps; all timestamps are distinct and
    lie in [base_ns, base_ns + 5 s).
    """
    d = _Dictionary()
    libc = d.mapping("libc.so.6", LIBC, LIBC_GNU_BUILD_ID)
    python = d.mapping("python3.11", PYTHON)
    eval_frame = d.native(python, 0x1F_2A3B)
    handler = d.python("handle_request", "app/server.py", 42)
    stacks = [
        d.stack([d.native(libc, 0x9_8765), eval_frame, handler]),
        d.stack([eval_frame, d.python("serialize", "app/json.py", 7), handler]),
        d.stack([d.native(libc, 0x11_0000), d.native(libc, 0x2_0123), eval_frame, handler]),
    ]
    step = 5_000_000_000 // (3 * occurrences)

    def stamps(offset: int) -> list[int]:
        return [base_ns + offset + i * 3 * step for i in range(occurrences)]

    on_cpu = Profile(
        sample_type=ValueType(type_strindex=d.string("samples"), unit_strindex=d.string("count")),
        period_type=ValueType(type_strindex=d.string("cpu"), unit_strindex=d.string("nanoseconds")),
        period=50_000_000,
        time_unix_nano=base_ns,
        duration_nano=5_000_000_000,
        samples=[
            Sample(
                stack_index=stacks[0],
                attribute_indices=d.thread(THREADS[0], PID, 0),
                timestamps_unix_nano=stamps(0),
            ),
            Sample(
                stack_index=stacks[1],
                attribute_indices=d.thread(THREADS[1], PID + 1, 1),
                timestamps_unix_nano=stamps(step),
            ),
        ],
    )
    off_cpu_stamps = stamps(2 * step)
    off_cpu = Profile(
        sample_type=ValueType(
            type_strindex=d.string("off_cpu"), unit_strindex=d.string("nanoseconds")
        ),
        time_unix_nano=base_ns,
        duration_nano=5_000_000_000,
        samples=[
            Sample(
                stack_index=stacks[2],
                attribute_indices=d.thread(THREADS[1], PID + 1, 1),
                values=[1_000_003 * (i + 1) for i in range(occurrences)],
                timestamps_unix_nano=off_cpu_stamps,
            )
        ],
    )
    resource = Resource(
        attributes=[
            KeyValue(key="process.pid", value=AnyValue(int_value=PID)),
            KeyValue(
                key="process.executable.path", value=AnyValue(string_value="/usr/bin/python3.11")
            ),
            KeyValue(key="process.executable.name", value=AnyValue(string_value="python3.11")),
            KeyValue(key="container.id", value=AnyValue(string_value=CONTAINER_ID)),
            KeyValue(key="service.name", value=AnyValue(string_value=SERVICE)),
        ]
    )
    return ExportProfilesServiceRequest(
        dictionary=d.proto,
        resource_profiles=[
            ResourceProfiles(
                resource=resource, scope_profiles=[ScopeProfiles(profiles=[on_cpu, off_cpu])]
            )
        ],
    )


def expected_events(request: ExportProfilesServiceRequest) -> list[ExpectedEvent]:
    """Every event the request carries, read from the request itself, sorted by time."""
    d = request.dictionary
    strings = d.string_table

    def attribute(indices: list[int], key: str) -> str:
        for i in indices:
            if strings[d.attribute_table[i].key_strindex] == key:
                return str(d.attribute_table[i].value.string_value)
        return ""

    def file_id(mapping: Mapping) -> FileId:
        return FileId.from_hex(
            attribute(list(mapping.attribute_indices), "process.executable.build_id.htlhash")
        )

    def frame_text(location: Location) -> str:
        if location.lines:
            function = d.function_table[location.lines[0].function_index]
            name, file = strings[function.name_strindex], strings[function.filename_strindex]
            return f"{name} ({file}:{location.lines[0].line})"
        exe = strings[d.mapping_table[location.mapping_index].filename_strindex]
        return f"{exe}+0x{location.address:x}"

    events = []
    for resource_profiles in request.resource_profiles:
        for scope in resource_profiles.scope_profiles:
            for profile in scope.profiles:
                kind = SampleKind.from_sample_type(
                    strings[profile.sample_type.type_strindex],
                    strings[profile.sample_type.unit_strindex],
                )
                for sample in profile.samples:
                    locations = [
                        d.location_table[i]
                        for i in d.stack_table[sample.stack_index].location_indices
                    ]
                    kinds = tuple(
                        FrameKind.from_wire(
                            attribute(list(loc.attribute_indices), "profile.frame.type")
                        )
                        for loc in locations
                    )
                    native = tuple(
                        FrameId(file_id(d.mapping_table[loc.mapping_index]), loc.address)
                        for loc in locations
                        if loc.mapping_index
                    )
                    thread = attribute(list(sample.attribute_indices), "thread.name")
                    collapsed = ";".join(
                        [thread, *(frame_text(loc) for loc in reversed(locations))]
                    )
                    for i, timestamp in enumerate(sample.timestamps_unix_nano):
                        weight = sample.values[i] if kind is SampleKind.OFF_CPU else 1
                        events.append(
                            ExpectedEvent(timestamp, kind, weight, thread, native, kinds, collapsed)
                        )
    return sorted(events, key=lambda e: e.timestamp)


def assert_stored_exactly(
    store: Store,
    requests: list[ExportProfilesServiceRequest],
    between: tuple[int, int] = ALL_TIME,
) -> None:
    """The store holds every event of `requests`, with its stack and thread, and nothing else
    (between the given times)."""
    expected = sorted(
        (event for request in requests for event in expected_events(request)),
        key=lambda e: e.timestamp,
    )
    events = store.read_events(*between)
    order = np.argsort(events.timestamps, kind="stable")
    assert events.timestamps[order].tolist() == [e.timestamp for e in expected]
    assert [SampleKind(k) for k in events.kinds[order]] == [e.kind for e in expected]
    assert events.weights[order].tolist() == [e.weight for e in expected]
    traces = store.traces_by_index(events)
    contexts = store.contexts(events.context_keys.tolist())
    for row, event in zip(order.tolist(), expected, strict=True):
        trace = traces[int(events.trace_index[row])]
        assert trace is not None
        assert trace.kinds == event.kinds
        native = tuple(
            frame
            for frame, kind in zip(trace.frames, trace.kinds, strict=True)
            if kind is FrameKind.NATIVE
        )
        assert native == event.native_frames
        context = contexts[int(events.context_keys[events.context_index[row]])]
        assert context.thread_name == event.thread_name
        assert (context.pid, context.container_id, context.service_name) == (
            PID,
            CONTAINER_ID,
            SERVICE,
        )
