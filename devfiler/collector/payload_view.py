"""A request as nested dicts and lists for the payload browser, in the words of the proto.

The proto3 JSON mapping (`MessageToDict`) writes 64-bit integers as strings
and leaves `*_strindex` fields as bare numbers into the string table. A
person reading a payload wants numbers as numbers and the text an index
stands for, so this walks the message itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

_STRING_INDEX_SUFFIXES = ("_strindex", "_strindices")


@dataclass(frozen=True, slots=True)
class StringIndex:
    """An index into the request's string table, shown with the text it stands for."""

    index: int
    text: str | None
    """None when the index is outside the table (a malformed request)."""

    def __str__(self) -> str:
        shown = repr(self.text) if self.text is not None else "outside the string table"
        return f"{self.index} -> {shown}"


def message_tree(message: Message, strings: Sequence[str]) -> dict[str, Any]:
    """The fields that are set, by proto field name; `strings` resolves string indices."""
    return {
        field.name: _field_value(field, value, strings) for field, value in message.ListFields()
    }


def _field_value(field: FieldDescriptor, value: Any, strings: Sequence[str]) -> Any:
    entry = field.message_type
    if entry is not None and entry.GetOptions().map_entry:
        value_field = entry.fields_by_name["value"]
        return {str(key): _single(value_field, item, strings) for key, item in value.items()}
    if field.is_repeated:
        return [_single(field, item, strings) for item in value]
    return _single(field, value, strings)


def _single(field: FieldDescriptor, value: Any, strings: Sequence[str]) -> Any:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return message_tree(value, strings)
    if field.enum_type is not None:
        known = field.enum_type.values_by_number.get(value)
        return known.name if known is not None else value
    if field.type == FieldDescriptor.TYPE_BYTES:
        return value.hex()
    if field.name.endswith(_STRING_INDEX_SUFFIXES) and isinstance(value, int):
        return StringIndex(value, strings[value] if 0 <= value < len(strings) else None)
    return value
