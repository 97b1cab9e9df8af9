"""Validated view of a request's ProfilesDictionary.

Every table of the dictionary is checked once, up front: every string,
function, mapping, attribute and location reference must be in range, so the
sample loop can trust the indices. Element 0 of every table is the "absent"
placeholder; index 0 anywhere means "not set".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devfiler.collector.errors import InvalidRequestError

AttributeValue = str | int | float | bool | bytes | None


@dataclass(frozen=True, slots=True)
class MappingInfo:
    file_name: str
    htlhash: str
    gnu_build_id: str
    go_build_id: str


@dataclass(frozen=True, slots=True)
class LineInfo:
    function: str
    system_name: str
    file: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class LocationInfo:
    mapping_index: int
    address: int
    lines: tuple[LineInfo, ...]
    frame_type: str


def _check(index: int, size: int, where: str, table: str) -> int:
    if not 0 <= index < max(size, 1):
        raise InvalidRequestError(f"{where} = {index} is out of range: {table} has {size} entries")
    return index


class Dictionary:
    """The dictionary's tables as plain Python values, every reference checked."""

    def __init__(self, dictionary: Any) -> None:
        self.strings: list[str] = list(dictionary.string_table)
        self.attributes: list[tuple[str, AttributeValue]] = [
            self._attribute(i, kv) for i, kv in enumerate(dictionary.attribute_table)
        ]
        self.functions: list[tuple[str, str, str]] = [
            (
                self.string(f.name_strindex, f"function_table[{i}].name_strindex"),
                self.string(f.system_name_strindex, f"function_table[{i}].system_name_strindex"),
                self.string(f.filename_strindex, f"function_table[{i}].filename_strindex"),
            )
            for i, f in enumerate(dictionary.function_table)
        ]
        self.mappings: list[MappingInfo] = [
            self._mapping(i, m) for i, m in enumerate(dictionary.mapping_table)
        ]
        self.locations: list[LocationInfo] = [
            self._location(i, loc) for i, loc in enumerate(dictionary.location_table)
        ]
        n_locations = len(self.locations)
        self.stacks: list[tuple[int, ...]] = []
        for i, stack in enumerate(dictionary.stack_table):
            indices = tuple(stack.location_indices)
            for j, index in enumerate(indices):
                _check(
                    index, n_locations, f"stack_table[{i}].location_indices[{j}]", "location_table"
                )
            self.stacks.append(indices)
        self.link_count = len(dictionary.link_table)

    def string(self, index: int, where: str) -> str:
        _check(index, len(self.strings), where, "string_table")
        return self.strings[index] if self.strings else ""

    def attribute_indices(self, indices: Any, where: str) -> list[tuple[str, AttributeValue]]:
        size = len(self.attributes)
        result = []
        for j, index in enumerate(indices):
            _check(index, size, f"{where}[{j}]", "attribute_table")
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
        htlhash = _text(attrs.get("process.executable.build_id.htlhash")) or _text(
            attrs.get("process.executable.build_id.profiling")
        )
        if htlhash:
            htlhash = htlhash.lower()
            if len(htlhash) != 32 or any(c not in "0123456789abcdef" for c in htlhash):
                raise InvalidRequestError(
                    f"{where}: attribute process.executable.build_id.htlhash is {htlhash!r}, "
                    "expected a file ID of 32 hex digits"
                )
        gnu = _text(attrs.get("process.executable.build_id.gnu")).lower()
        go = _text(attrs.get("process.executable.build_id.go"))
        return MappingInfo(name, htlhash, gnu, go)

    def _location(self, i: int, location: Any) -> LocationInfo:
        where = f"location_table[{i}]"
        mapping_index = _check(
            location.mapping_index,
            len(self.mappings),
            f"{where}.mapping_index",
            "mapping_table",
        )
        lines = []
        for j, line in enumerate(location.lines):
            function_index = _check(
                line.function_index,
                len(self.functions),
                f"{where}.lines[{j}].function_index",
                "function_table",
            )
            name, system_name, file = (
                self.functions[function_index] if function_index else ("", "", "")
            )
            lines.append(LineInfo(name, system_name, file, line.line, line.column))
        attrs = dict(
            self.attribute_indices(location.attribute_indices, f"{where}.attribute_indices")
        )
        return LocationInfo(
            mapping_index, location.address, tuple(lines), _text(attrs.get("profile.frame.type"))
        )


def _text(value: AttributeValue) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
