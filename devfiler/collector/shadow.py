"""Message classes that read an ExportProfilesServiceRequest with its bulk left as bytes.

Wire-compatible twins of the OTLP profiles messages, built at run time from
the official descriptors with four fields retyped to `repeated bytes`:
`Profile.samples` and the stack, location and function tables of
`ProfilesDictionary`. The protobuf runtime then parses the
small tables as usual and hands over the bulk as raw messages, which
devfiler/collector/wire.py decodes column-wise with numpy instead of one
Python object per sample.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from opentelemetry.proto.collector.profiles.v1development import profiles_service_pb2
from opentelemetry.proto.profiles.v1development import profiles_pb2

_RETYPED = {
    "Profile": ("samples",),
    "ProfilesDictionary": ("stack_table", "location_table", "function_table"),
}
_REQUEST = "opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest"


def _file_proto(descriptor: Any) -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto()
    descriptor.CopyToProto(proto)
    return proto


def _build_request_class() -> Any:
    pool = descriptor_pool.DescriptorPool()
    for dependency in profiles_pb2.DESCRIPTOR.dependencies:
        for inner in dependency.dependencies:
            pool.Add(_file_proto(inner))
        pool.Add(_file_proto(dependency))
    profiles = _file_proto(profiles_pb2.DESCRIPTOR)
    for message in profiles.message_type:
        for field in message.field:
            if field.name in _RETYPED.get(message.name, ()):
                field.type = descriptor_pb2.FieldDescriptorProto.TYPE_BYTES
                field.ClearField("type_name")
    pool.Add(profiles)
    pool.Add(_file_proto(profiles_service_pb2.DESCRIPTOR))
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(_REQUEST))


RawRequest: Any = _build_request_class()
"""ExportProfilesServiceRequest with samples, stacks and locations as raw bytes."""
