"""Message classes of pprof's profile.proto, built at run time from a field table.

proto/profile.proto is the schema; this table holds the same fields so that
no generated module (which would pin a protobuf runtime version) and no
protoc is needed. The protobuf runtime does all encoding and decoding;
tests/export/test_pprof_messages.py checks the table against the .proto file.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2

from devfiler.proto_schema import file_descriptor as described
from devfiler.proto_schema import message_classes

PACKAGE = "perftools.profiles"

FIELDS: dict[str, tuple[tuple[str, int, str, bool], ...]] = {
    "Profile": (
        ("sample_type", 1, "ValueType", True),
        ("sample", 2, "Sample", True),
        ("mapping", 3, "Mapping", True),
        ("location", 4, "Location", True),
        ("function", 5, "Function", True),
        ("string_table", 6, "string", True),
        ("drop_frames", 7, "int64", False),
        ("keep_frames", 8, "int64", False),
        ("time_nanos", 9, "int64", False),
        ("duration_nanos", 10, "int64", False),
        ("period_type", 11, "ValueType", False),
        ("period", 12, "int64", False),
        ("comment", 13, "int64", True),
        ("default_sample_type", 14, "int64", False),
    ),
    "ValueType": (("type", 1, "int64", False), ("unit", 2, "int64", False)),
    "Sample": (
        ("location_id", 1, "uint64", True),
        ("value", 2, "int64", True),
        ("label", 3, "Label", True),
    ),
    "Label": (
        ("key", 1, "int64", False),
        ("str", 2, "int64", False),
        ("num", 3, "int64", False),
        ("num_unit", 4, "int64", False),
    ),
    "Mapping": (
        ("id", 1, "uint64", False),
        ("memory_start", 2, "uint64", False),
        ("memory_limit", 3, "uint64", False),
        ("file_offset", 4, "uint64", False),
        ("filename", 5, "int64", False),
        ("build_id", 6, "int64", False),
        ("has_functions", 7, "bool", False),
        ("has_filenames", 8, "bool", False),
        ("has_line_numbers", 9, "bool", False),
        ("has_inline_frames", 10, "bool", False),
    ),
    "Location": (
        ("id", 1, "uint64", False),
        ("mapping_id", 2, "uint64", False),
        ("address", 3, "uint64", False),
        ("line", 4, "Line", True),
        ("is_folded", 5, "bool", False),
    ),
    "Line": (("function_id", 1, "uint64", False), ("line", 2, "int64", False)),
    "Function": (
        ("id", 1, "uint64", False),
        ("name", 2, "int64", False),
        ("system_name", 3, "int64", False),
        ("filename", 4, "int64", False),
        ("start_line", 5, "int64", False),
    ),
}
"""message -> (field name, number, type, repeated), as in proto/profile.proto."""


def file_descriptor(*, raw_samples: bool = False) -> descriptor_pb2.FileDescriptorProto:
    """The schema as protoc would describe proto/profile.proto.

    With `raw_samples`, `Profile.sample` is `repeated bytes`: the same wire
    format, for writers that serialize each Sample on its own (see
    ProfileWithRawSamples).
    """
    raw = ("Profile", "sample") if raw_samples else None
    return described(
        "devfiler/pprof/profile.proto",
        PACKAGE,
        {
            message: tuple(
                (name, number, "bytes" if (message, name) == raw else kind, repeated, "")
                for name, number, kind, repeated in fields
            )
            for message, fields in FIELDS.items()
        },
    )


def _classes(*, raw_samples: bool = False) -> dict[str, Any]:
    return message_classes(file_descriptor(raw_samples=raw_samples))


_CLASSES = _classes()
Profile: Any = _CLASSES["Profile"]
"""pprof's Profile message; its nested messages are reached through its fields."""
Sample: Any = _CLASSES["Sample"]
ProfileWithRawSamples: Any = _classes(raw_samples=True)["Profile"]
"""Profile with each sample as its serialized bytes: a writer serializes a sample's own
fields and its context's labels once per context, and the concatenation of two
serialized messages is their merge, so a sample costs no Python object per label."""
