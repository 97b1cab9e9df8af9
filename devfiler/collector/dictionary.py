"""Validated view of the small tables of a request's ProfilesDictionary.

Strings, attributes, functions and mappings are few, so they are read into
plain Python values here, with every reference checked. The function table
is read column-wise (collector/wire.py) because it is large; locations and
stacks are decoded column-wise in collector/locations.py.
Element 0 of every table is the "absent" placeholder; index 0 means "not set".
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from google.protobuf.message import DecodeError

from devfiler.collector import limits
from devfiler.collector.errors import InvalidRequestError
from devfiler.collector.limits import check_each, check_limit
from devfiler.collector.shadow import RawKeyValueAndUnit, RawMapping, parse_part
from devfiler.collector.wire import VARINT, Messages, check_wire_types, scan

AttributeValue = str | int | float | bool | bytes | None
FRAME_TYPE_KEY = "profile.frame.type"
_HEX_DIGITS = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class MappingInfo:
    file_name: str
    htlhash: str
    gnu_build_id: str
    go_build_id: str

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the mapping's frames across requests (cheap to hash)."""
        return (self.file_name, self.htlhash)


def check_index(index: int, size: int, where: str, table: str) -> int:
    if not 0 <= index < max(size, 1):
        raise InvalidRequestError(f"{where} = {index} is out of range: {table} has {size} entries")
    return index


def check_indices(values: npt.NDArray[np.int64], size: int, where: str, table: str) -> None:
    """Vectorized check_index; `where(i)` names the i-th value when one is bad."""
    bad = (values < 0) | (values >= max(size, 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        check_index(int(values[i]), size, where.format(i), table)


class Dictionary:
    """Strings, attributes, functions and mappings as plain values, every reference checked."""

    def __init__(self, dictionary: Any) -> None:
        check_table_sizes(dictionary)
        self.strings: list[str] = list(dictionary.string_table)
        longest = max(map(len, self.strings), default=0)
        if longest > limits.STRING_CHARS:
            at = next(i for i, s in enumerate(self.strings) if len(s) == longest)
            check_each(longest, limits.STRING_CHARS, "characters", f"string_table[{at}]")
        self.attributes = self._attributes(
            read_entries(RawKeyValueAndUnit, dictionary.attribute_table, "attribute_table")
        )
        self.function_count = len(dictionary.function_table)
        self.functions = self._functions(dictionary.function_table)
        self.mappings: list[MappingInfo] = [
            self._mapping(i, parse_part(RawMapping, m, f"mapping_table[{i}]"))
            for i, m in enumerate(dictionary.mapping_table)
        ]
        self.link_count = len(dictionary.link_table)

    def _functions(self, raw: Sequence[bytes]) -> npt.NDArray[np.int64]:
        """(name, system name, file name) string indices per function, from the raw table;
        at least one row, so that function index 0 always reads as empty strings."""
        messages = Messages.of(raw)
        fields = scan(messages, "function_table")
        check_wire_types(fields, dict.fromkeys(range(1, 5), (VARINT,)), "function_table")
        columns = np.zeros((max(len(messages), 1), 3), np.int64)
        # All three columns in one assignment (the last occurrence of a field wins, as in
        # protobuf); only a table with a bad index is checked column by column, to name it.
        sel = (fields.number >= 1) & (fields.number <= 3)
        columns[fields.message[sel], fields.number[sel] - 1] = fields.value[sel].view(np.int64)
        if not ((columns >= 0) & (columns < max(len(self.strings), 1))).all():
            for number, name in ((1, "name"), (2, "system_name"), (3, "filename")):
                check_indices(
                    columns[: len(messages), number - 1],
                    len(self.strings),
                    f"function_table[{{}}].{name}_strindex",
                    "string_table",
                )
        return columns

    def function_text(self, index: int) -> tuple[str, str, str]:
        """(name, system name, file name) of a checked function index; 0 is all empty."""
        if not index or not self.strings:
            return ("", "", "")
        name, system_name, file = self.functions[index].tolist()
        return self.strings[name], self.strings[system_name], self.strings[file]

    def string(self, index: int, where: str) -> str:
        check_index(index, len(self.strings), where, "string_table")
        return self.strings[index] if self.strings else ""

    def attribute_indices(self, indices: Any, where: str) -> list[tuple[str, AttributeValue]]:
        check_each(len(indices), limits.ATTRIBUTE_INDICES, "attribute indices", where)
        size = len(self.attributes)
        result = []
        for j, index in enumerate(indices):
            check_index(index, size, f"{where}[{j}]", "attribute_table")
            if index:
                result.append(self.attributes[index])
        return result

    def value(self, entry: Entry, where: str) -> AttributeValue:
        """An entry's value, its string index (when it has one) checked and resolved."""
        if entry.value_strindex is None:
            return entry.value
        return self.string(entry.value_strindex, f"{where}.string_value_strindex")

    def _attributes(self, entries: list[Entry]) -> list[tuple[str, AttributeValue]]:
        """(key, value) of each entry. The string indices of all entries are checked
        together; only a table with a bad one is gone through entry by entry, to name it."""
        indices = [i for e in entries for i in (e.key_strindex, e.unit_strindex)]
        indices.extend(e.value_strindex for e in entries if e.value_strindex is not None)
        if (
            not self.strings
            or min(indices, default=0) < 0
            or max(indices, default=0) >= len(self.strings)
        ):
            return [self._attribute(f"attribute_table[{i}]", e) for i, e in enumerate(entries)]
        strings = self.strings
        return [
            (
                strings[e.key_strindex],
                e.value if e.value_strindex is None else strings[e.value_strindex],
            )
            for e in entries
        ]

    def _attribute(self, where: str, entry: Entry) -> tuple[str, AttributeValue]:
        key = self.string(entry.key_strindex, f"{where}.key_strindex")
        self.string(entry.unit_strindex, f"{where}.unit_strindex")
        return key, self.value(entry, f"{where}.value")

    def _mapping(self, i: int, mapping: Any) -> MappingInfo:
        where = f"mapping_table[{i}]"
        name = self.string(mapping.filename_strindex, f"{where}.filename_strindex")
        if mapping.memory_limit and mapping.memory_limit < mapping.memory_start:
            raise InvalidRequestError(
                f"{where}: memory_limit {mapping.memory_limit:#x} is below "
                f"memory_start {mapping.memory_start:#x}"
            )
        attrs = dict(
            self.attribute_indices(mapping.attribute_indices, f"{where}.attribute_indices")
        )
        htlhash = text(attrs.get("process.executable.build_id.htlhash")) or text(
            attrs.get("process.executable.build_id.profiling")
        )
        if htlhash:
            htlhash = htlhash.lower()
            if len(htlhash) != 32 or not _HEX_DIGITS.issuperset(htlhash):
                raise InvalidRequestError(
                    f"{where}: attribute process.executable.build_id.htlhash is {htlhash!r}, "
                    "expected a file ID of 32 hex digits"
                )
        gnu = text(attrs.get("process.executable.build_id.gnu")).lower()
        go = text(attrs.get("process.executable.build_id.go"))
        return MappingInfo(name, htlhash, gnu, go)


def check_table_sizes(dictionary: Any) -> None:
    """Every table's length against its limit, before any table is read."""
    for table, limit in (
        ("string_table", limits.STRINGS),
        ("attribute_table", limits.ATTRIBUTES),
        ("function_table", limits.FUNCTIONS),
        ("mapping_table", limits.MAPPINGS),
        ("location_table", limits.LOCATIONS),
        ("stack_table", limits.STACKS),
        ("link_table", limits.LINKS),
    ):
        check_limit(len(getattr(dictionary, table)), limit, f"entries of {table}")


@dataclass(frozen=True, slots=True)
class Entry:
    """A KeyValueAndUnit or KeyValue as its bytes say, string indices not yet checked."""

    key: str
    key_strindex: int
    unit_strindex: int
    value: AttributeValue
    value_strindex: int | None
    """The value's string index; None when the value is written out (then it is `value`)."""


def _parse_entry(message_class: Any, raw: bytes) -> Entry:
    kv = message_class.FromString(raw)
    value = kv.value
    field = value.WhichOneof("value")
    content: AttributeValue = None
    if field in ("array_value", "kvlist_value"):
        content = str(getattr(value, field))
    elif field is not None and field != "string_value_strindex":
        content = getattr(value, field)
    return Entry(
        getattr(kv, "key", ""),
        kv.key_strindex,
        getattr(kv, "unit_strindex", 0),
        content,
        value.string_value_strindex if field == "string_value_strindex" else None,
    )


_KEPT_ENTRY_BYTES = 256
_known_entry = functools.lru_cache(maxsize=16_384)(_parse_entry)
"""Entries are pure functions of their bytes, so small ones are kept: the agent renumbers
its string table every request but sends the same thread names, CPUs and build IDs again
and again, byte for byte, and a lookup costs a tenth of a parse. Only small entries, so
that what is kept stays a few MiB whatever senders send."""


def read_entries(message_class: Any, raws: Sequence[bytes], where: str) -> list[Entry]:
    """The entries of a list of raw KeyValueAndUnit or KeyValue messages; unreadable bytes
    are refused naming the element (`where[i]`)."""
    known, limit = _known_entry, _KEPT_ENTRY_BYTES
    try:
        return [
            known(message_class, raw) if len(raw) <= limit else _parse_entry(message_class, raw)
            for raw in raws
        ]
    except DecodeError:
        for i, raw in enumerate(raws):
            parse_part(message_class, raw, f"{where}[{i}]")
        raise


def text(value: AttributeValue) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
