"""A request's deduplicated ProfilesDictionary, filled the way the agent fills it.

Every table starts with its empty placeholder (index 0 means "absent"), and
every string, attribute, mapping, function, location and stack enters its
table once per request, however many samples use it.
"""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry.proto.profiles.v1development.profiles_pb2 import ProfilesDictionary

from devfiler.collector.dictionary import FRAME_TYPE_KEY
from devfiler.collector.request_tables import start_tables
from devfiler.loadgen.frames import Executable, Frame, MarkerFrame, NativeFrame, Stack


class DictionaryBuilder:
    """Appends to an empty ProfilesDictionary and remembers what it already holds."""

    def __init__(self, dictionary: ProfilesDictionary, frames: Sequence[Frame]) -> None:
        self.dictionary = dictionary
        self._frames = frames
        start_tables(dictionary)
        self._strings: dict[str, int] = {"": 0}
        self._attributes: dict[tuple[str, str | int], int] = {}
        self._mappings: dict[Executable, int] = {}
        self._functions: dict[tuple[str, str], int] = {}
        self._locations: dict[int, int] = {}
        self._stacks: dict[Stack, int] = {}

    def string(self, text: str) -> int:
        index = self._strings.get(text)
        if index is None:
            index = self._strings[text] = len(self._strings)
            self.dictionary.string_table.append(text)
        return index

    def attribute(self, key: str, value: str | int) -> int:
        index = self._attributes.get((key, value))
        if index is None:
            index = self._attributes[(key, value)] = len(self._attributes) + 1
            entry = self.dictionary.attribute_table.add(key_strindex=self.string(key))
            if isinstance(value, int):
                entry.value.int_value = value
            else:
                entry.value.string_value = value
        return index

    def mapping(self, exe: Executable) -> int:
        index = self._mappings.get(exe)
        if index is None:
            attributes = [
                self.attribute(key, value)
                for key, value in (
                    ("process.executable.build_id.htlhash", exe.file_id.hex()),
                    ("process.executable.build_id.gnu", exe.gnu_build_id),
                    ("process.executable.build_id.go", exe.go_build_id),
                )
                if value
            ]
            index = self._mappings[exe] = len(self._mappings) + 1
            self.dictionary.mapping_table.add(
                memory_start=exe.memory_start,
                memory_limit=exe.memory_limit,
                file_offset=exe.file_offset,
                filename_strindex=self.string(exe.file_name),
                attribute_indices=attributes,
            )
        return index

    def function(self, name: str, file: str) -> int:
        index = self._functions.get((name, file))
        if index is None:
            index = self._functions[(name, file)] = len(self._functions) + 1
            self.dictionary.function_table.add(
                name_strindex=self.string(name), filename_strindex=self.string(file)
            )
        return index

    def location(self, frame_number: int) -> int:
        """Location of entry `frame_number` of the frame table."""
        index = self._locations.get(frame_number)
        if index is not None:
            return index
        frame = self._frames[frame_number]
        attributes = [self.attribute(FRAME_TYPE_KEY, frame.frame_type)]
        table = self.dictionary.location_table
        if isinstance(frame, NativeFrame):
            table.add(
                mapping_index=self.mapping(frame.executable),
                address=frame.address,
                attribute_indices=attributes,
            )
        elif isinstance(frame, MarkerFrame):
            table.add(address=frame.code, attribute_indices=attributes)
        else:
            location = table.add(
                mapping_index=self.mapping(frame.mapping) if frame.mapping else 0,
                attribute_indices=attributes,
            )
            location.lines.add(
                function_index=self.function(frame.function, frame.file), line=frame.line
            )
        index = self._locations[frame_number] = len(self._locations) + 1
        return index

    def stack(self, stack: Stack) -> int:
        index = self._stacks.get(stack)
        if index is None:
            locations = [self.location(number) for number in stack]
            index = self._stacks[stack] = len(self._stacks) + 1
            self.dictionary.stack_table.add(location_indices=locations)
        return index
