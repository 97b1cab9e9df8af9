"""How the agent fills an OTLP request, for code that builds one: the synthetic agent
and the file importers.

Every table of a ProfilesDictionary starts with an empty placeholder, since
index 0 means "absent"; sample types and attribute values are written as the
agent writes them (PROTOCOL.md).
"""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from devfiler.model import SampleKind

SAMPLE_TYPES: dict[SampleKind, tuple[str, str]] = {
    SampleKind.ON_CPU: ("samples", "count"),
    SampleKind.OFF_CPU: ("off_cpu", "nanoseconds"),
    SampleKind.UPROBE: ("events", "count"),
    SampleKind.UNKNOWN: ("unknown", "count"),
}
"""The sample type (type, unit) the agent names each kind with."""


def placeholder_tables(dictionary: Any) -> tuple[Any, ...]:
    """The dictionary's message tables, each of which starts with an empty entry."""
    d = dictionary
    return (
        d.attribute_table,
        d.mapping_table,
        d.location_table,
        d.function_table,
        d.stack_table,
        d.link_table,
    )


def start_tables(dictionary: Any) -> None:
    """Put the placeholders into an empty dictionary (the string table's is "")."""
    dictionary.string_table.append("")
    for table in placeholder_tables(dictionary):
        table.add()


def any_value(value: str | int) -> AnyValue:
    return AnyValue(int_value=value) if isinstance(value, int) else AnyValue(string_value=value)
