"""Message classes of the symbfile schema, built at run time from a field table.

proto/symbfile.proto is the schema; this table holds the same fields so that
neither protoc nor a generated module (which would pin a protobuf runtime
version) is needed. The protobuf runtime does all encoding and decoding of
message payloads; symbfile.py frames them and turns them into records.
tests/symbolize/formats/test_symbfile_messages.py checks the table against the
.proto file.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2

from devfiler.proto_schema import Fields, message_classes
from devfiler.proto_schema import file_descriptor as described

PACKAGE = "symbfile"

FIELDS: Fields = {
    "RangeV1": (
        ("deltaElfVA", 1, "sint64", False, "elfVA"),
        ("setElfVA", 12, "uint64", False, "elfVA"),
        ("length", 2, "uint64", False, ""),
        ("funcStr", 3, "string", False, "func"),
        ("funcRef", 9, "uint32", False, "func"),
        ("fileStr", 4, "string", False, "file"),
        ("fileRef", 10, "uint32", False, "file"),
        ("callLine", 5, "uint32", False, ""),
        ("callFileStr", 6, "string", False, "callFile"),
        ("callFileRef", 11, "uint32", False, "callFile"),
        ("depth", 7, "uint32", False, ""),
        ("lineTable", 8, "LineTable", False, ""),
    ),
    "LineTable": (
        ("offset", 1, "uint32", True, ""),
        ("lineNumber", 2, "uint32", True, ""),
    ),
    "ReturnPadV1": (
        ("deltaElfVA", 1, "sint64", False, "elfVA"),
        ("setElfVA", 5, "uint64", False, "elfVA"),
        ("func", 2, "uint32", True, ""),
        ("file", 3, "uint32", True, ""),
        ("line", 4, "uint32", True, ""),
    ),
    "StringTableV1": (("strings", 1, "string", True, ""),),
}
"""message -> (field name, number, type, repeated, oneof or ""), as in proto/symbfile.proto."""


def file_descriptor() -> descriptor_pb2.FileDescriptorProto:
    """The schema as protoc would describe proto/symbfile.proto (its messages)."""
    return described("devfiler/symbfile/symbfile.proto", PACKAGE, FIELDS)


def _classes() -> dict[str, Any]:
    return message_classes(file_descriptor())


_CLASSES = _classes()
RangeV1: Any = _CLASSES["RangeV1"]
"""One function instance over an address range; its line table is reached as a field."""
ReturnPadV1: Any = _CLASSES["ReturnPadV1"]
StringTableV1: Any = _CLASSES["StringTableV1"]
