"""Locations and stacks of a request, decoded column-wise, and the traces they form.

A native frame is (the executable's file ID, address), symbolized by devfiler
later. A frame the agent symbolized (it has lines) keeps them in the frames
table; when its mapping carries no file ID, the ID is derived from its content
so equal frames are equal across requests (PROTOCOL.md, "Identifying a
frame"). Only such frames cost Python work per location; native frames are
handled as arrays.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.collector import limits
from devfiler.collector.dictionary import (
    FRAME_TYPE_KEY,
    Dictionary,
    MappingInfo,
    check_indices,
    text,
)
from devfiler.collector.errors import InvalidRequestError
from devfiler.collector.frame_cache import ROW_WIDTH, FrameCache
from devfiler.collector.limits import check_each, check_limit
from devfiler.collector.wire import (
    LEN,
    VARINT,
    Fields,
    Messages,
    check_wire_types,
    last_varint,
    packed_only,
    position_in_owner,
    repeated_varints,
    scan,
)
from devfiler.distinct import small_unique
from devfiler.identity import (
    FRAME_ID_BYTES,
    FRAME_RECORD,
    WireLine,
    described_frame_id,
    trace_hashes,
    undescribed_frame_id,
)
from devfiler.model import Executable, FileId, Frame, FrameId, FrameKind, SourceLine
from devfiler.storage.batch import TraceTable


def check_repeated(
    owner: npt.NDArray[np.int64], values: npt.NDArray[np.int64], size: int, where: str, table: str
) -> None:
    """Range-check a repeated index field; `where` formats (owner, position)."""
    bad = (values < 0) | (values >= max(size, 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        position = position_in_owner(owner, i)
        raise InvalidRequestError(
            f"{where.format(int(owner[i]), position)} = {int(values[i])} is out of range: "
            f"{table} has {size} entries"
        )


@dataclass(frozen=True, slots=True)
class _Lines:
    """Every line of every location, by location then wire order (innermost first)."""

    owner: npt.NDArray[np.int64]
    function: npt.NDArray[np.int64]
    line: npt.NDArray[np.int64]
    column: npt.NDArray[np.int64]


_NO_LINES = _Lines(*(np.zeros(0, np.int64) for _ in range(4)))


@dataclass(frozen=True, slots=True)
class _Content:
    """A location's frame as the agent described it."""

    type_name: str
    mapping: MappingInfo | None
    address: int
    lines: tuple[WireLine, ...]

    @property
    def key(self) -> tuple[object, ...]:
        return (self.type_name, self.mapping and self.mapping.key, self.address, self.lines)


@dataclass(frozen=True, slots=True)
class _LocationColumns:
    """A request's locations as arrays, kept while its frames are being made."""

    mapping: npt.NDArray[np.int64]
    address: npt.NDArray[np.uint64]
    kinds: npt.NDArray[np.uint8]
    frame_type: npt.NDArray[np.int64]
    type_names: list[str]
    lines: _Lines
    line_count: npt.NDArray[np.int64]


def _make_frame(
    info: MappingInfo | None,
    address: int,
    kind: FrameKind,
    type_name: str,
    lines: tuple[WireLine, ...],
    with_id: bool,
) -> Frame:
    mapping_name = info.file_name if info else ""
    file_id = FileId.from_hex(info.htlhash) if with_id and info is not None else None
    if lines:
        frame_id = described_frame_id(file_id, mapping_name, address, type_name, lines)
    elif file_id is not None:
        frame_id = FrameId(file_id, address)
    else:
        frame_id = undescribed_frame_id(type_name, mapping_name, address)
    error_code = None
    if kind is FrameKind.ABORT or (not lines and info is None and address != 0):
        error_code = address
    return Frame(
        id=frame_id,
        kind=kind,
        lines=tuple(SourceLine(n or s, f, ln) for n, s, f, ln, _ in reversed(lines)),
        mapping_name=mapping_name,
        kind_name=type_name if kind is FrameKind.OTHER else "",
        error_code=error_code,
        mapping_file_id=file_id if lines else None,
    )


_FRAMES_LIMIT = (limits.FRAMES, "location indices of all stacks")


class FrameTable:
    """Frame IDs and kinds per location, frame records, executables and traces."""

    def __init__(
        self,
        dictionary: Dictionary,
        raw_locations: Sequence[bytes],
        raw_stacks: Sequence[bytes],
        cache: FrameCache,
    ) -> None:
        self._dictionary = dictionary
        self._cache = cache
        self._cache_frames: list[Frame] = []
        self._cached = np.empty(0, np.int64)
        """Cache indices of the request's described frames (`_frame_index` points here)."""
        self._frame_ids = np.empty((0, FRAME_ID_BYTES), np.uint8)
        self.executables: dict[FileId, Executable] = {}
        self._decode_locations(Messages.of(raw_locations))
        self._decode_stacks(Messages.of(raw_stacks))

    def _decode_locations(self, messages: Messages) -> None:
        d = self._dictionary
        n = len(messages)
        fields = scan(messages, "location_table")
        check_wire_types(
            fields, {1: (VARINT,), 2: (VARINT,), 3: (LEN,), 4: (VARINT, LEN)}, "location_table"
        )
        mapping = last_varint(fields, 1, n)
        check_indices(mapping, len(d.mappings), "location_table[{}].mapping_index", "mapping_table")
        address = last_varint(fields, 2, n).view(np.uint64)
        attrs = repeated_varints(
            messages,
            fields,
            4,
            "location_table",
            (limits.ALL_ATTRIBUTE_INDICES, "attribute indices of all locations"),
        )
        attr_values = attrs.signed()
        check_repeated(
            attrs.owner,
            attr_values,
            len(d.attributes),
            "location_table[{}].attribute_indices[{}]",
            "attribute_table",
        )
        type_names: list[str] = []
        type_of_attr = np.full(max(len(d.attributes), 1), -1, dtype=np.int64)
        for i, (attribute_key, value) in enumerate(d.attributes):
            if attribute_key == FRAME_TYPE_KEY:
                name = text(value)
                if name not in type_names:
                    type_names.append(name)
                type_of_attr[i] = type_names.index(name)
        frame_type = np.full(n, -1, dtype=np.int64)
        typed = type_of_attr[attr_values] >= 0
        frame_type[attrs.owner[typed]] = type_of_attr[attr_values[typed]]

        lines = self._decode_lines(messages, fields)
        line_count = np.bincount(lines.owner, minlength=n)
        kind_of_type = np.array(
            [int(FrameKind.from_wire(name)) for name in type_names] + [int(FrameKind.NATIVE)],
            dtype=np.uint8,
        )
        kinds = kind_of_type[frame_type]  # -1 picks the NATIVE default at the end
        kinds[(line_count > 0) & (frame_type < 0)] = FrameKind.UNKNOWN

        mapping_ids = np.zeros((max(len(d.mappings), 1), 16), dtype=np.uint8)
        has_id = np.zeros(max(len(d.mappings), 1), dtype=bool)
        for i, info in enumerate(d.mappings):
            if info.htlhash:
                mapping_ids[i] = np.frombuffer(bytes.fromhex(info.htlhash), dtype=np.uint8)
                has_id[i] = True
        files = mapping_ids[mapping]
        with_id = has_id[mapping]
        no_lines_no_mapping = (mapping == 0) & (address != 0)
        special = (kinds == FrameKind.ABORT) | (kinds == FrameKind.OTHER)
        described = np.flatnonzero(~with_id | special | no_lines_no_mapping | (line_count > 0))
        self._location = _LocationColumns(
            mapping, address, kinds, frame_type, type_names, lines, line_count
        )
        self._frame_index = np.full(n, -1, np.int64)
        with self._cache.request() as cache:
            in_cache = self._described_frames(cache, described)
            used, local = np.unique(in_cache, return_inverse=True)
            # The list itself stays valid: a cache that forgets starts a new one.
            self._cache_frames, self._cached = cache.frames, used
            self._frame_ids = cache.ids(used)
        self._frame_index[described] = local.reshape(-1)
        files[described] = self._frame_ids[local.reshape(-1), :16]
        native_mappings = np.unique(mapping[with_id & (kinds == FrameKind.NATIVE)])
        for index in native_mappings.tolist():
            info = d.mappings[index]
            file_id = FileId.from_hex(info.htlhash)
            self.executables[file_id] = Executable(
                file_id, info.file_name, info.gnu_build_id, info.go_build_id
            )
        self._by_base_name: dict[str, list[FileId]] = {}
        for file_id, exe in self.executables.items():
            self._by_base_name.setdefault(os.path.basename(exe.file_name), []).append(file_id)
        self._frame_records = np.empty(n, dtype=FRAME_RECORD)
        self._frame_records["file"] = files.view("V16").reshape(-1)
        self._frame_records["addr"] = address
        self._frame_records["kind"] = kinds

    def _described_frames(
        self, cache: FrameCache, described: npt.NDArray[np.intp]
    ) -> npt.NDArray[np.int64]:
        """Cache indices of the frames of the `described` locations (frame_cache.py).

        A location's content becomes an integer row; only rows the cache has
        never seen make a Frame in Python.
        """
        d = self._dictionary
        loc = self._location
        strings = cache.string_numbers(d.strings or [""])
        type_number = np.r_[cache.string_numbers(loc.type_names), -1]
        mapping_number = np.array(
            [-1, *(cache.mapping_number(info.key) for info in d.mappings[1:])], np.int64
        )
        first_line = np.searchsorted(loc.lines.owner, described)
        single = loc.line_count[described] <= 1
        locations = described[single]
        rows = np.full((len(locations), ROW_WIDTH), -1, np.int64)
        rows[:, 0] = type_number[loc.frame_type[locations]]
        rows[:, 1] = mapping_number[loc.mapping[locations]]
        rows[:, 2] = loc.address[locations].view(np.int64)
        has_line = loc.line_count[locations] == 1
        at = first_line[single][has_line]
        rows[has_line, 3:6] = strings[d.functions[loc.lines.function[at]]]
        rows[has_line, 6] = loc.lines.line[at]
        rows[has_line, 7] = loc.lines.column[at]
        found = cache.find(rows)
        missing = np.flatnonzero(found < 0)
        if len(missing):
            unseen = locations[missing]
            found[missing] = cache.add(rows[missing], lambda i: self._frame(int(unseen[i])))
        result = np.empty(len(described), np.int64)
        result[single] = found
        for position in np.flatnonzero(~single).tolist():
            location = int(described[position])
            result[position] = cache.index_of(
                self._content(location).key, functools.partial(self._frame, location)
            )
        return result

    def _content(self, location: int) -> _Content:
        """What identifies a location's frame, as Python values."""
        loc = self._location
        type_index = int(loc.frame_type[location])
        map_index = int(loc.mapping[location])
        start = int(np.searchsorted(loc.lines.owner, location))
        end = start + int(loc.line_count[location])
        lines = tuple(
            (*self._dictionary.function_text(fn), line, column)
            for fn, line, column in zip(
                loc.lines.function[start:end].tolist(),
                loc.lines.line[start:end].tolist(),
                loc.lines.column[start:end].tolist(),
                strict=True,
            )
        )
        return _Content(
            loc.type_names[type_index] if type_index >= 0 else "",
            self._dictionary.mappings[map_index] if map_index else None,
            int(loc.address[location]),
            lines,
        )

    def _frame(self, location: int) -> Frame:
        content = self._content(location)
        info = content.mapping
        return _make_frame(
            info,
            content.address,
            FrameKind(int(self._location.kinds[location])),
            content.type_name,
            content.lines,
            bool(info is not None and info.htlhash),
        )

    def _decode_lines(self, messages: Messages, fields: Fields) -> _Lines:
        """Lines of every location that has them, in wire order (innermost first)."""
        sel = fields.pick(3, LEN)
        if not sel.any():
            return _NO_LINES
        check_limit(int(np.count_nonzero(sel)), limits.LINES, "lines of all locations")
        # Fields come round by round, each round in message order: a stable sort by
        # message (none when each location has one line) puts lines in wire order.
        owner, starts, lengths = fields.message[sel], fields.start[sel], fields.length[sel]
        if (owner[1:] < owner[:-1]).any():
            arrange = np.argsort(owner, kind="stable")
            owner, starts, lengths = owner[arrange], starts[arrange], lengths[arrange]
        lines = Messages(messages.buffer, starts, starts + lengths)
        line_fields = scan(lines, "location_table lines")
        check_wire_types(
            line_fields, {1: (VARINT,), 2: (VARINT,), 3: (VARINT,)}, "location_table lines"
        )
        count = len(lines)
        function = last_varint(line_fields, 1, count)
        check_repeated(
            owner,
            function,
            self._dictionary.function_count,
            "location_table[{}].lines[{}].function_index",
            "function_table",
        )
        return _Lines(
            owner.astype(np.int64),
            function,
            last_varint(line_fields, 2, count),
            last_varint(line_fields, 3, count),
        )

    def _decode_stacks(self, messages: Messages) -> None:
        entries = packed_only(messages, 1)
        if entries is None:
            fields = scan(messages, "stack_table")
            check_wire_types(fields, {1: (VARINT, LEN)}, "stack_table")
            entries = repeated_varints(messages, fields, 1, "stack_table", _FRAMES_LIMIT)
        check_limit(len(entries.owner), *_FRAMES_LIMIT)
        locations = entries.signed()
        check_repeated(
            entries.owner,
            locations,
            len(self._frame_records),
            "stack_table[{}].location_indices[{}]",
            "location_table",
        )
        counts = entries.counts(len(messages))
        if len(counts) and int(counts.max()) > limits.FRAMES_PER_STACK:
            deepest = int(counts.argmax())
            check_each(
                int(counts[deepest]),
                limits.FRAMES_PER_STACK,
                "location indices",
                f"stack_table[{deepest}]",
            )
        self._stack_offsets = np.r_[0, np.cumsum(counts)]
        self._stack_locations = locations
        self.stack_count = len(messages)

    def stored_parts(
        self, stacks: npt.NDArray[np.int64]
    ) -> tuple[TraceTable, list[Frame], npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
        """The traces of the given stacks, in that order, the frame records they use with
        their IDs, and the IDs of their other (native) frames.

        A stored trace is its frame records one after another
        (storage/records.py), so all traces come out of one gather and only
        slicing and hashing remain per trace.
        """
        begin = self._stack_offsets[stacks]
        count = self._stack_offsets[stacks + 1] - begin
        end = np.cumsum(count)
        gather = np.repeat(begin - (end - count), count) + np.arange(
            int(end[-1]) if len(end) else 0
        )
        locations = self._stack_locations[gather]
        # Rows of plain bytes: numpy copies records of a structured dtype one field at a time.
        records = self._frame_records.view(np.uint8).reshape(-1, FRAME_RECORD.itemsize)
        data = records.take(locations, axis=0).tobytes()
        offsets = np.r_[0, end] * FRAME_RECORD.itemsize
        hashes = trace_hashes(data, offsets.tolist())
        distinct, _ = small_unique(locations, len(self._frame_records))
        index = self._frame_index[distinct]
        used, _ = small_unique(index[index >= 0], len(self._cached))
        cached = self._cache_frames
        frames = [cached[i] for i in self._cached[used].tolist()]
        ids = records[distinct[index < 0]]
        return (
            TraceTable(hashes, data, offsets.astype(np.int64)),
            frames,
            self._frame_ids[used],
            np.ascontiguousarray(ids[:, :FRAME_ID_BYTES]),
        )

    def attach_path(self, executable_path: str) -> None:
        """Remember the main executable's full path on the record whose name it has."""
        if not executable_path:
            return
        for file_id in self._by_base_name.get(os.path.basename(executable_path), ()):
            exe = self.executables[file_id]
            if not exe.path:
                self.executables[file_id] = Executable(
                    exe.file_id, exe.file_name, exe.gnu_build_id, exe.go_build_id, executable_path
                )
