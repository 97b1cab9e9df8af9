"""The run-time symbfile message classes follow proto/symbfile.proto field for field."""

from __future__ import annotations

import re
from pathlib import Path

from devfiler.symbolize.formats.symbfile_messages import FIELDS, RangeV1, ReturnPadV1

PROTO = Path(__file__).resolve().parents[3] / "proto" / "symbfile.proto"
_MESSAGE = re.compile(r"^message (\w+) \{\n(.*?)^\}", re.S | re.M)
_ONEOF = re.compile(r"oneof (\w+) \{(.*?)\}", re.S)
_FIELD = re.compile(r"^\s*(repeated )?(\w+) (\w+) = (\d+);", re.M)


def _fields(body: str, oneof: str) -> list[tuple[str, int, str, bool, str]]:
    return [
        (field, int(number), type_name, bool(repeated), oneof)
        for repeated, type_name, field, number in _FIELD.findall(body)
    ]


def test_the_table_is_the_proto_file() -> None:
    schema = {}
    for name, body in _MESSAGE.findall(PROTO.read_text()):
        fields = [f for oneof, inner in _ONEOF.findall(body) for f in _fields(inner, oneof)]
        fields += _fields(_ONEOF.sub("", body), "")
        schema[name] = sorted(fields)
    assert schema == {name: sorted(fields) for name, fields in FIELDS.items()}


def test_oneof_members_are_present_even_at_zero() -> None:
    """The reader tells a reference to string 0 from an absent name, and a zero
    address step from none: oneof members must survive a round trip at zero."""
    message = RangeV1.FromString(RangeV1(deltaElfVA=0, funcRef=0).SerializeToString())
    assert message.WhichOneof("elfVA") == "deltaElfVA"
    assert message.WhichOneof("func") == "funcRef"
    assert message.WhichOneof("file") is None
    pad = ReturnPadV1.FromString(ReturnPadV1(setElfVA=0, line=[0, 3]).SerializeToString())
    assert (pad.WhichOneof("elfVA"), list(pad.line)) == ("setElfVA", [0, 3])
