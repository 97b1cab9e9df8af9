"""Message classes that read an ExportProfilesServiceRequest one level at a time, bulk as bytes.

Wire-compatible twins of the OTLP profiles messages, built at run time from
the official descriptors with every repeated message field retyped to
`repeated bytes`. Two reasons:

- the protobuf runtime parses a level's small fields as usual and hands over
  the bulk (samples, stacks, locations, functions) as raw messages, which
  devfiler/collector/wire.py decodes column-wise with numpy instead of one
  Python object per sample;
- a list of raw messages costs the runtime a few bytes per element, where a
  list of parsed messages costs a hundred or more: a request of millions of
  empty elements is counted (collector/limits.py) before anything is made of
  its elements, so its size never turns into gigabytes of parsed messages.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.profiles.v1development import profiles_service_pb2

from devfiler.collector.errors import InvalidRequestError

_PROFILES = "opentelemetry.proto.profiles.v1development."
_REQUEST = "opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest"


def _file_protos(descriptor: Any) -> list[descriptor_pb2.FileDescriptorProto]:
    """The file and everything it imports, dependencies first."""
    protos: list[descriptor_pb2.FileDescriptorProto] = []
    for dependency in descriptor.dependencies:
        protos.extend(p for p in _file_protos(dependency) if p not in protos)
    proto = descriptor_pb2.FileDescriptorProto()
    descriptor.CopyToProto(proto)
    protos.append(proto)
    return protos


def _build_pool() -> descriptor_pool.DescriptorPool:
    pool = descriptor_pool.DescriptorPool()
    repeated = descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED
    message = descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE
    for proto in _file_protos(profiles_service_pb2.DESCRIPTOR):
        for message_type in proto.message_type:
            for field in message_type.field:
                if field.label == repeated and field.type == message:
                    field.type = descriptor_pb2.FieldDescriptorProto.TYPE_BYTES
                    field.ClearField("type_name")
        pool.Add(proto)
    return pool


_POOL = _build_pool()


def _message_class(name: str) -> Any:
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName(name))


RawRequest: Any = _message_class(_REQUEST)
RawResourceProfiles: Any = _message_class(_PROFILES + "ResourceProfiles")
RawScopeProfiles: Any = _message_class(_PROFILES + "ScopeProfiles")
RawProfile: Any = _message_class(_PROFILES + "Profile")
RawMapping: Any = _message_class(_PROFILES + "Mapping")
RawKeyValueAndUnit: Any = _message_class(_PROFILES + "KeyValueAndUnit")
RawKeyValue: Any = _message_class("opentelemetry.proto.common.v1.KeyValue")


def parse_part(message_class: Any, data: bytes, where: str) -> Any:
    """One raw element parsed with its shadow class; unreadable bytes name the element."""
    try:
        return message_class.FromString(data)
    except DecodeError as error:
        name = message_class.DESCRIPTOR.name
        raise InvalidRequestError(f"{where} is not a valid {name}: {error}") from None
