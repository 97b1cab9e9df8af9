"""Counting the elements of a request's repeated fields before the protobuf runtime parses it.

Even as raw bytes (collector/shadow.py) an element costs the runtime 16-32
bytes, so a 64 MiB message of two-byte elements would still cost a
gigabyte before any count could be checked. Each element takes at least two
bytes, so only a message larger than twice the limit can break it; such
messages (the big ones, rare from the agent) are walked field by field here
first, stopping as soon as one field passes the limit. The walk skips over
payloads it does not descend into, so it costs one step per field.
"""

from __future__ import annotations

from collections.abc import Mapping

from devfiler.collector import limits
from devfiler.collector.errors import RequestLimitError
from devfiler.symbolize.formats.dwarf_forms import uleb

Layout = Mapping[int, tuple[str, "Layout"]]
"""Fields that hold messages worth walking into: number -> (name, their own layout)."""

_VALUE: Layout = {5: ("array_value", {}), 6: ("kvlist_value", {})}
_ATTRIBUTE: Layout = {2: ("value", _VALUE)}
"""KeyValue and KeyValueAndUnit alike: their value is field 2."""
_PROFILE: Layout = {2: ("samples", {})}
_SCOPE: Layout = {1: ("scope", {3: ("attributes", _ATTRIBUTE)}), 2: ("profiles", _PROFILE)}
_RESOURCE: Layout = {
    1: ("resource", {1: ("attributes", _ATTRIBUTE)}),
    2: ("scope_profiles", _SCOPE),
}
_TABLES = ("mapping", "location", "function", "link", "string", "attribute", "stack")
_DICTIONARY: Layout = {
    i: (f"{table}_table", _ATTRIBUTE if table == "attribute" else {})
    for i, table in enumerate(_TABLES, 1)
}
REQUEST: Layout = {1: ("resource_profiles", _RESOURCE), 2: ("dictionary", _DICTIONARY)}


def check_list_sizes(data: bytes | memoryview, what: str, layout: Layout = REQUEST) -> None:
    """Refuse (RequestLimitError) a message in which one field repeats more than
    `limits.LIST_ELEMENTS` times, at any level of `layout`; malformed bytes are left
    for the parser to report."""
    if len(data) <= 2 * limits.LIST_ELEMENTS:
        return
    view = memoryview(data)
    counts: dict[int, int] = {}
    position, end = 0, len(view)
    try:
        while position < end:
            tag, position = uleb(view, position)  # protobuf varints are LEB128
            number, wire = tag >> 3, tag & 7
            count = counts.get(number, 0) + 1
            counts[number] = count
            if count > limits.LIST_ELEMENTS:
                name = layout[number][0] if number in layout else f"field {number}"
                raise RequestLimitError(
                    f"{what}: more than {limits.LIST_ELEMENTS:,} entries of {name}, "
                    "devfiler's limit per list"
                )
            if wire == 0:
                _, position = uleb(view, position)
            elif wire == 1:
                position += 8
            elif wire == 5:
                position += 4
            elif wire == 2:
                length, position = uleb(view, position)
                if number in layout:
                    name, inner = layout[number]
                    check_list_sizes(view[position : position + length], f"{what}.{name}", inner)
                position += length
            else:
                return
    except IndexError:
        return  # cut short: the parser reports it
