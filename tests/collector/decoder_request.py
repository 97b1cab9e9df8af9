"""A small, explicit agent-shaped request for the decoder's tests.

Each test mutates a fresh copy, so the expected values in the tests stay
readable next to the table indices below.
"""

from __future__ import annotations

from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

EXE_ID = "0123456789abcdef0123456789abcdef"
LIBC_ID = "fedcba9876543210fedcba9876543210"
BASE_NS = 1_700_000_000_000_000_000

STRINGS = [
    "",  # 0
    "samples",  # 1
    "count",  # 2
    "off_cpu",  # 3
    "nanoseconds",  # 4
    "profile.frame.type",  # 5
    "native",  # 6
    "cpython",  # 7
    "abort-marker",  # 8
    "process.executable.build_id.htlhash",  # 9
    "process.executable.build_id.gnu",  # 10
    "thread.name",  # 11
    "thread.id",  # 12
    "cpu.logical_number",  # 13
    "/usr/bin/app",  # 14
    "libc.so.6",  # 15
    "handle",  # 16
    "app.py",  # 17
    "kernel",  # 18
    "do_syscall_64",  # 19
    "cpu",  # 20
    "quantum",  # 21
]


def _str_attr(request: ExportProfilesServiceRequest, key: int, value: str) -> None:
    request.dictionary.attribute_table.add(key_strindex=key, value=AnyValue(string_value=value))


def build() -> ExportProfilesServiceRequest:
    """Two profiles (on-CPU and off-CPU) of one process: native, Python, kernel, abort frames."""
    req = ExportProfilesServiceRequest()
    d = req.dictionary
    d.string_table.extend(STRINGS)
    d.attribute_table.add()  # 0 placeholder
    _str_attr(req, 5, "native")  # 1
    _str_attr(req, 5, "cpython")  # 2
    _str_attr(req, 5, "abort-marker")  # 3
    _str_attr(req, 5, "kernel")  # 4
    _str_attr(req, 9, EXE_ID)  # 5
    _str_attr(req, 10, "aabbccdd")  # 6
    _str_attr(req, 9, LIBC_ID)  # 7
    _str_attr(req, 11, "worker")  # 8
    d.attribute_table.add(key_strindex=12, value=AnyValue(int_value=4242))  # 9
    d.attribute_table.add(key_strindex=13, value=AnyValue(int_value=3))  # 10
    _str_attr(req, 11, "main")  # 11
    _str_attr(req, 21, "x")  # 12
    d.mapping_table.add()  # 0
    d.mapping_table.add(
        memory_start=0x400000, memory_limit=0x500000, filename_strindex=14, attribute_indices=[5, 6]
    )  # 1: app
    d.mapping_table.add(
        memory_start=0x7F0000, memory_limit=0x7F8000, filename_strindex=15, attribute_indices=[7]
    )  # 2: libc
    d.function_table.add()  # 0
    d.function_table.add(name_strindex=16, filename_strindex=17)  # 1: handle in app.py
    d.function_table.add(name_strindex=19)  # 2: do_syscall_64
    d.location_table.add()  # 0
    d.location_table.add(mapping_index=1, address=0x1234, attribute_indices=[1])  # 1: app
    d.location_table.add(mapping_index=2, address=0x99, attribute_indices=[1])  # 2: libc
    loc = d.location_table.add(mapping_index=0, attribute_indices=[2])  # 3: python
    loc.lines.add(function_index=1, line=42)
    d.location_table.add(address=2, attribute_indices=[3])  # 4: abort, stack_length_exceeded
    loc = d.location_table.add(address=0xFFFF0001, attribute_indices=[4])  # 5: kernel
    loc.lines.add(function_index=2)
    d.stack_table.add()  # 0
    d.stack_table.add(location_indices=[2, 1])  # 1: libc <- app (leaf first)
    d.stack_table.add(location_indices=[5, 3, 1])  # 2: kernel <- python <- app
    d.stack_table.add(location_indices=[4, 1])  # 3: abort <- app
    d.link_table.add()

    rp = req.resource_profiles.add()
    rp.resource.attributes.extend(
        [
            KeyValue(key="process.pid", value=AnyValue(int_value=100)),
            KeyValue(key="process.executable.path", value=AnyValue(string_value="/usr/bin/app")),
            KeyValue(key="process.executable.name", value=AnyValue(string_value="app")),
            KeyValue(key="container.id", value=AnyValue(string_value="c0ffee")),
            KeyValue(key="service.name", value=AnyValue(string_value="shop")),
        ]
    )
    scope = rp.scope_profiles.add()
    on = scope.profiles.add()
    on.sample_type.type_strindex, on.sample_type.unit_strindex = 1, 2
    on.period_type.type_strindex, on.period_type.unit_strindex = 20, 4
    on.period = 50_000_000
    on.time_unix_nano = BASE_NS
    on.duration_nano = 5_000_000_000
    on.samples.add(
        stack_index=1, attribute_indices=[8, 9, 10], timestamps_unix_nano=[BASE_NS + 1, BASE_NS + 2]
    )
    on.samples.add(
        stack_index=2, attribute_indices=[11, 10], timestamps_unix_nano=[BASE_NS + 1_500_000_000]
    )
    on.samples.add(stack_index=3, attribute_indices=[8, 9, 10], timestamps_unix_nano=[BASE_NS + 3])
    off = scope.profiles.add()
    off.sample_type.type_strindex, off.sample_type.unit_strindex = 3, 4
    off.time_unix_nano = BASE_NS
    off.samples.add(
        stack_index=1,
        attribute_indices=[11],
        timestamps_unix_nano=[BASE_NS + 10, BASE_NS + 20],
        values=[700, 300],
    )
    return req
