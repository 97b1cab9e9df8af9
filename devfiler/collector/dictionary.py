"""Validated view of the small tables of a request's ProfilesDictionary.

Strings, attributes, functions and mappings are few, so they are read into
plain Python values here, with every reference checked. The function table
is read column-wise (collector/wire.py) because it is large; locations and
stacks are decoded column-wise in collector/locations.py.
Element 0 of every table is the "absent" placeholder; index 0 means "not set".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from devfiler.collector import limits
from devfiler.collector.errors import InvalidRequestError
from devfiler.collector.limits import check_each, check_limit
from devfiler.collector.shadow import RawKeyValueAndUnit, RawMapping, parse_part
from devfiler.collector.wire import VARINT, Messages, check_wire_types, last_varint, scan

AttributeValue = str | int | float | bool | bytes | None
FRAME_TYPE_KEY = "profile.frame.type"


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
        self.attributes: list[tuple[str, AttributeValue]] = [
            self._attribute(i, parse_part(RawKeyValueAndUnit, kv, f"attribute_table[{i}]"))
            for i, kv in enumerate(dictionary.attribute_table)
        ]
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
        for number, name in ((1, "name"), (2, "system_name"), (3, "filename")):
            column = last_varint(fields, number, len(messages))
            check_indices(
                column, len(self.strings), f"function_table[{{}}].{name}_strindex", "string_table"
            )
            columns[: len(column), number - 1] = column
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

    def any_value(self, value: Any, where: str) -> AttributeValue:
        field = value.WhichOneof("value")
        if field is None:
            return None
        if field == "string_value_strindex":
            return self.string(value.string_value_strindex, f"{where}.string_value_strindex")
        if field in ("array_value", "kvlist_value"):
            return str(getattr(value, field))
        result: AttributeValue = getattr(value, field)
        return result

    def _attribute(self, i: int, kv: Any) -> tuple[str, AttributeValue]:
        key = self.string(kv.key_strindex, f"attribute_table[{i}].key_strindex")
        self.string(kv.unit_strindex, f"attribute_table[{i}].unit_strindex")
        return key, self.any_value(kv.value, f"attribute_table[{i}].value")

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
            if len(htlhash) != 32 or any(c not in "0123456789abcdef" for c in htlhash):
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


def text(value: AttributeValue) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
