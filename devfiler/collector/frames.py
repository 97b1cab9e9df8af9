"""Turn the dictionary's locations into frames, and its stacks into traces.

A native frame is (the executable's file ID, address) and is symbolized by
devfiler later. Frames the agent symbolized (a line with a function) keep
their lines in the frames table; when their mapping has no file ID, a stable
ID is derived from their content so that equal frames are equal across
requests (PROTOCOL.md, "Identifying a frame").
"""

from __future__ import annotations

import os

import xxhash

from devfiler.collector.dictionary import Dictionary, LocationInfo
from devfiler.model import Executable, FileId, Frame, FrameId, FrameKind, SourceLine, Trace
from devfiler.storage.records import make_trace


def _derived_file_id(location: LocationInfo, mapping_name: str) -> FileId:
    digest = xxhash.xxh3_128()
    digest.update(location.frame_type.encode())
    digest.update(b"\0")
    digest.update(mapping_name.encode())
    for line in location.lines:
        for text in (line.function, line.system_name, line.file):
            digest.update(b"\0")
            digest.update(text.encode())
        digest.update(b"\0%d:%d" % (line.line, line.column))
    return FileId(digest.intdigest())


class FrameTable:
    """Frames, executables and traces of one request, each computed once."""

    def __init__(self, dictionary: Dictionary) -> None:
        self._dictionary = dictionary
        self.frame_ids: list[FrameId] = []
        self.kinds: list[FrameKind] = []
        self.frames: list[Frame] = []
        self.executables: dict[FileId, Executable] = {}
        for location in dictionary.locations:
            self._add(location)
        self._traces: dict[int, Trace] = {}

    def _add(self, location: LocationInfo) -> None:
        mapping = (
            self._dictionary.mappings[location.mapping_index] if location.mapping_index else None
        )
        mapping_name = mapping.file_name if mapping else ""
        kind = FrameKind.from_wire(location.frame_type) if location.frame_type else FrameKind.NATIVE
        if not location.frame_type and location.lines:
            kind = FrameKind.UNKNOWN
        if mapping is not None and mapping.htlhash:
            file_id = FileId.from_hex(mapping.htlhash)
            if kind is FrameKind.NATIVE:
                self.executables.setdefault(
                    file_id,
                    Executable(
                        file_id, mapping.file_name, mapping.gnu_build_id, mapping.go_build_id
                    ),
                )
        else:
            file_id = _derived_file_id(location, mapping_name)
        frame_id = FrameId(file_id, location.address)
        self.frame_ids.append(frame_id)
        self.kinds.append(kind)
        error_code = None
        if kind is FrameKind.ABORT or (
            not location.lines and mapping is None and location.address != 0
        ):
            error_code = location.address
        lines = tuple(
            SourceLine(line.function or line.system_name, line.file, line.line)
            for line in reversed(location.lines)
        )
        if (
            lines
            or error_code is not None
            or kind is FrameKind.OTHER
            or not (mapping and mapping.htlhash)
        ):
            self.frames.append(
                Frame(
                    id=frame_id,
                    kind=kind,
                    lines=lines,
                    mapping_name=mapping_name,
                    kind_name=location.frame_type if kind is FrameKind.OTHER else "",
                    error_code=error_code,
                )
            )

    def trace(self, stack_index: int) -> Trace:
        """The trace of a stack (leaf first, as on the wire)."""
        trace = self._traces.get(stack_index)
        if trace is None:
            indices = self._dictionary.stacks[stack_index]
            trace = make_trace(
                tuple(self.frame_ids[i] for i in indices), tuple(self.kinds[i] for i in indices)
            )
            self._traces[stack_index] = trace
        return trace

    def attach_path(self, executable_path: str) -> None:
        """Remember the main executable's full path on the record whose name it has."""
        if not executable_path:
            return
        base = os.path.basename(executable_path)
        for file_id, exe in self.executables.items():
            if not exe.path and os.path.basename(exe.file_name) == base:
                self.executables[file_id] = Executable(
                    exe.file_id, exe.file_name, exe.gnu_build_id, exe.go_build_id, executable_path
                )
