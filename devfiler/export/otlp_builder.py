"""Builds an OTLP ExportProfilesServiceRequest the way the agent fills one.

Importers turn other formats into such a request so that imported files take
the collector's own validation and store path. Every table starts with its
empty placeholder and every string, attribute, function, mapping, location
and stack enters its table once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import KeyValue

from devfiler.collector.dictionary import FRAME_TYPE_KEY
from devfiler.collector.request_tables import SAMPLE_TYPES, any_value, start_tables
from devfiler.model import SampleKind

Attribute = tuple[str, str | int]
MAX_EVENTS = 50_000_000
"""More events than this in one file is refused: each keeps a timestamp of its own."""


class ConversionError(ValueError):
    """A file that is no profile devfiler can store; the message says what is wrong and where."""


@dataclass(frozen=True, slots=True)
class Converted:
    """A file as one request, its event count, and notes on what was made of it."""

    request: Any
    events: int
    notes: tuple[str, ...] = ()


class RequestBuilder:
    """One request: the dictionary, and one profile per (resource, kind)."""

    def __init__(self) -> None:
        self.request = ExportProfilesServiceRequest()
        start_tables(self.request.dictionary)
        self._index: dict[tuple[Any, ...], int] = {("string", ""): 0}
        self._profiles: dict[tuple[tuple[Attribute, ...], SampleKind], Any] = {}
        self._resources: dict[tuple[Attribute, ...], Any] = {}

    def _add(self, key: tuple[Any, ...], table: Any, **fields: Any) -> int:
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(table)
            table.add(**fields)
        return index

    def string(self, text: str) -> int:
        key = ("string", text)
        index = self._index.get(key)
        if index is None:
            table = self.request.dictionary.string_table
            index = self._index[key] = len(table)
            table.append(text)
        return index

    def attribute(self, key: str, value: str | int) -> int:
        return self._add(
            ("attribute", key, value),
            self.request.dictionary.attribute_table,
            key_strindex=self.string(key),
            value=any_value(value),
        )

    def function(self, name: str, file: str, system_name: str = "") -> int:
        return self._add(
            ("function", name, file, system_name),
            self.request.dictionary.function_table,
            name_strindex=self.string(name),
            system_name_strindex=self.string(system_name),
            filename_strindex=self.string(file),
        )

    def mapping(self, file_name: str, attributes: Sequence[Attribute] = ()) -> int:
        indices = [self.attribute(key, value) for key, value in attributes]
        return self._add(
            ("mapping", file_name, *indices),
            self.request.dictionary.mapping_table,
            filename_strindex=self.string(file_name),
            attribute_indices=indices,
        )

    def location(
        self,
        mapping: int,
        address: int,
        lines: Sequence[tuple[int, int]],
        frame_type: str,
    ) -> int:
        """A frame; `lines` are (function index, line), innermost first."""
        index = self._index.get(("location", mapping, address, tuple(lines), frame_type))
        if index is not None:
            return index
        table = self.request.dictionary.location_table
        index = self._index[("location", mapping, address, tuple(lines), frame_type)] = len(table)
        location = table.add(
            mapping_index=mapping,
            address=address,
            attribute_indices=[self.attribute(FRAME_TYPE_KEY, frame_type)],
        )
        for function, line in lines:
            location.lines.add(function_index=function, line=line)
        return index

    def stack(self, locations: Sequence[int]) -> int:
        """A stack of location indices, leaf first."""
        return self._add(
            ("stack", *locations),
            self.request.dictionary.stack_table,
            location_indices=locations,
        )

    def profile(self, resource: tuple[Attribute, ...], kind: SampleKind) -> Any:
        """The profile of one process (its resource attributes) and sample kind."""
        found = self._profiles.get((resource, kind))
        if found is None:
            scope = self._resources.get(resource)
            if scope is None:
                resource_profiles = self.request.resource_profiles.add()
                resource_profiles.resource.attributes.extend(
                    KeyValue(key=key, value=any_value(value)) for key, value in resource
                )
                scope = self._resources[resource] = resource_profiles.scope_profiles.add()
            found = self._profiles[(resource, kind)] = scope.profiles.add()
            type_name, unit = SAMPLE_TYPES[kind]
            found.sample_type.type_strindex = self.string(type_name)
            found.sample_type.unit_strindex = self.string(unit)
        return found
