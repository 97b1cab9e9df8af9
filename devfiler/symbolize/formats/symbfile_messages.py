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

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

PACKAGE = "symbfile"

_F = descriptor_pb2.FieldDescriptorProto
_SCALARS = {
    "sint64": _F.TYPE_SINT64,
    "uint64": _F.TYPE_UINT64,
    "uint32": _F.TYPE_UINT32,
    "string": _F.TYPE_STRING,
}

FIELDS: dict[str, tuple[tuple[str, int, str, bool, str], ...]] = {
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
    proto = descriptor_pb2.FileDescriptorProto(
        name="devfiler/symbfile/symbfile.proto", package=PACKAGE, syntax="proto3"
    )
    for message_name, fields in FIELDS.items():
        message = proto.message_type.add(name=message_name)
        oneofs = list(dict.fromkeys(oneof for *_, oneof in fields if oneof))
        for oneof in oneofs:
            message.oneof_decl.add(name=oneof)
        for name, number, type_name, repeated, oneof in fields:
            field = message.field.add(
                name=name,
                number=number,
                label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL,
            )
            if oneof:
                field.oneof_index = oneofs.index(oneof)
            if type_name in _SCALARS:
                field.type = _SCALARS[type_name]
            else:
                field.type = _F.TYPE_MESSAGE
                field.type_name = f".{PACKAGE}.{type_name}"
    return proto


def _classes() -> dict[str, Any]:
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file_descriptor())
    return {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{PACKAGE}.{name}"))
        for name in FIELDS
    }


_CLASSES = _classes()
RangeV1: Any = _CLASSES["RangeV1"]
"""One function instance over an address range; its line table is reached as a field."""
ReturnPadV1: Any = _CLASSES["ReturnPadV1"]
StringTableV1: Any = _CLASSES["StringTableV1"]
