"""Protobuf message classes built at run time from a table of fields.

The pprof and symbfile formats are small, fixed schemas; describing them as
tables and building the classes when imported keeps generated code and a
protoc step out of the project, while reading and writing go through
protobuf's own (C) codec.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto
_SCALARS = {
    "int64": _F.TYPE_INT64,
    "sint64": _F.TYPE_SINT64,
    "uint64": _F.TYPE_UINT64,
    "uint32": _F.TYPE_UINT32,
    "bool": _F.TYPE_BOOL,
    "string": _F.TYPE_STRING,
    "bytes": _F.TYPE_BYTES,
}

Fields = dict[str, tuple[tuple[str, int, str, bool, str], ...]]
"""message -> (field name, number, type, repeated, oneof or ""); a type that is
no scalar names another message of the same table."""


def file_descriptor(name: str, package: str, fields: Fields) -> descriptor_pb2.FileDescriptorProto:
    """The schema as protoc would describe a proto3 file declaring these messages."""
    proto = descriptor_pb2.FileDescriptorProto(name=name, package=package, syntax="proto3")
    for message_name, message_fields in fields.items():
        message = proto.message_type.add(name=message_name)
        oneofs = list(dict.fromkeys(oneof for *_, oneof in message_fields if oneof))
        for oneof in oneofs:
            message.oneof_decl.add(name=oneof)
        for field_name, number, type_name, repeated, oneof in message_fields:
            field = message.field.add(
                name=field_name,
                number=number,
                label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL,
                json_name=_json_name(field_name),
            )
            if oneof:
                field.oneof_index = oneofs.index(oneof)
            if type_name in _SCALARS:
                field.type = _SCALARS[type_name]
            else:
                field.type = _F.TYPE_MESSAGE
                field.type_name = f".{package}.{type_name}"
    return proto


def message_classes(proto: descriptor_pb2.FileDescriptorProto) -> dict[str, Any]:
    """Message name -> class, for every message the file declares."""
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return {
        message.name: message_factory.GetMessageClass(
            pool.FindMessageTypeByName(f"{proto.package}.{message.name}")
        )
        for message in proto.message_type
    }


def _json_name(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
