"""Locations and stacks of a request, decoded column-wise, and the traces they form.

A native frame is (the executable's file ID, address), symbolized by devfiler
later. A frame the agent symbolized (it has lines) keeps them in the frames
table; when its mapping carries no file ID, the ID is derived from its content
so equal frames are equal across requests (PROTOCOL.md, "Identifying a
frame"). Only such frames cost Python work per location; native frames are
handled as arrays.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Sequence

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
from devfiler.collector.limits import check_each, check_limit
from devfiler.collector.wire import (
    LEN,
    VARINT,
    Fields,
    Messages,
    check_wire_types,
    last_varint,
    positions_in_owner,
    repeated_varints,
    scan,
)
from devfiler.identity import (
    FRAME_RECORD,
    WireLine,
    described_frame_id,
    trace_hashes,
    undescribed_frame_id,
)
from devfiler.model import Executable, FileId, Frame, FrameId, FrameKind, SourceLine
from devfiler.storage.batch import FRAME_ID_BYTES, TraceTable
from devfiler.storage.distinct import small_unique


def check_repeated(
    owner: npt.NDArray[np.int64], values: npt.NDArray[np.int64], size: int, where: str, table: str
) -> None:
    """Range-check a repeated index field; `where` formats (owner, position)."""
    bad = (values < 0) | (values >= max(size, 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        position = int(positions_in_owner(owner)[i])
        raise InvalidRequestError(
            f"{where.format(int(owner[i]), position)} = {int(values[i])} is out of range: "
            f"{table} has {size} entries"
        )


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


class FrameCache:
    """Frames the agent described, by content, across requests.

    The agent rebuilds its dictionary for every request, so the same
    interpreted frames arrive again and again under new indices; their
    content is the key. Bounded: cleared when full.
    """

    def __init__(self, limit: int = 500_000) -> None:
        self._limit = limit
        self._frames: dict[Hashable, Frame] = {}

    def get(self, key: Hashable) -> Frame | None:
        return self._frames.get(key)

    def put(self, key: Hashable, frame: Frame) -> Frame:
        if len(self._frames) >= self._limit:
            self._frames.clear()
        self._frames[key] = frame
        return frame


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
        self._described: dict[int, Frame] = {}
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

        lines_by_location = self._decode_lines(messages, fields)
        kind_of_type = np.array(
            [int(FrameKind.from_wire(name)) for name in type_names] + [int(FrameKind.NATIVE)],
            dtype=np.uint8,
        )
        kinds = kind_of_type[frame_type]  # -1 picks the NATIVE default at the end
        for location in lines_by_location:
            if frame_type[location] < 0:
                kinds[location] = FrameKind.UNKNOWN

        mapping_ids = np.zeros((max(len(d.mappings), 1), 16), dtype=np.uint8)
        has_id = np.zeros(max(len(d.mappings), 1), dtype=bool)
        for i, info in enumerate(d.mappings):
            if info.htlhash:
                mapping_ids[i] = np.frombuffer(bytes.fromhex(info.htlhash), dtype=np.uint8)
                has_id[i] = True
        files = mapping_ids[mapping]
        with_id = has_id[mapping]
        no_lines_no_mapping = (mapping == 0) & (address != 0)
        special = np.isin(kinds, [FrameKind.ABORT, FrameKind.OTHER])
        needs_record = ~with_id | special | no_lines_no_mapping
        needs_record[list(lines_by_location)] = True
        described = np.flatnonzero(needs_record)
        type_name_of = [*type_names, ""]
        mappings = [None, *d.mappings[1:]]
        cache = self._cache
        ids = []
        for location, map_index, addr, kind, type_index, with_mapping_id in zip(
            described.tolist(),
            mapping[described].tolist(),
            address[described].tolist(),
            kinds[described].tolist(),
            frame_type[described].tolist(),
            with_id[described].tolist(),
            strict=True,
        ):
            info = mappings[map_index]
            lines = lines_by_location.get(location, ())
            type_name = type_name_of[type_index]
            key = (kind, type_name, info and info.key, lines, addr, with_mapping_id)
            frame = cache.get(key)
            if frame is None:
                frame = cache.put(
                    key, _make_frame(info, addr, FrameKind(kind), type_name, lines, with_mapping_id)
                )
            self._described[location] = frame
            ids.append(frame.id.file_id.to_bytes())
        if ids:
            files[described] = np.frombuffer(b"".join(ids), dtype=np.uint8).reshape(-1, 16)
        native_mappings = np.unique(mapping[with_id & (kinds == FrameKind.NATIVE)])
        for index in native_mappings.tolist():
            info = d.mappings[index]
            file_id = FileId.from_hex(info.htlhash)
            self.executables[file_id] = Executable(
                file_id, info.file_name, info.gnu_build_id, info.go_build_id
            )
        self._has_record = needs_record
        self._frame_records = np.empty(n, dtype=FRAME_RECORD)
        self._frame_records["file"] = files.view("V16").reshape(-1)
        self._frame_records["addr"] = address
        self._frame_records["kind"] = kinds

    def _decode_lines(self, messages: Messages, fields: Fields) -> dict[int, tuple[WireLine, ...]]:
        """Lines of every location that has them, in wire order (innermost first)."""
        sel = fields.pick(3, LEN)
        if not sel.any():
            return {}
        check_limit(int(np.count_nonzero(sel)), limits.LINES, "lines of all locations")
        arrange = np.lexsort((fields.order[sel], fields.message[sel]))
        owner = fields.message[sel][arrange]
        starts = fields.start[sel][arrange]
        lines = Messages(messages.buffer, starts, starts + fields.length[sel][arrange])
        line_fields = scan(lines, "location_table lines")
        check_wire_types(
            line_fields, {1: (VARINT,), 2: (VARINT,), 3: (VARINT,)}, "location_table lines"
        )
        count = len(lines)
        function = last_varint(line_fields, 1, count)
        functions = self._dictionary.functions
        check_repeated(
            owner,
            function,
            len(functions),
            "location_table[{}].lines[{}].function_index",
            "function_table",
        )
        line_no = last_varint(line_fields, 2, count)
        column = last_varint(line_fields, 3, count)
        result: dict[int, list[WireLine]] = {}
        for loc, fn, line, col in zip(
            owner.tolist(), function.tolist(), line_no.tolist(), column.tolist(), strict=True
        ):
            name, system_name, file = functions[fn] if fn else ("", "", "")
            result.setdefault(loc, []).append((name, system_name, file, line, col))
        return {loc: tuple(items) for loc, items in result.items()}

    def _decode_stacks(self, messages: Messages) -> None:
        fields = scan(messages, "stack_table")
        check_wire_types(fields, {1: (VARINT, LEN)}, "stack_table")
        entries = repeated_varints(
            messages,
            fields,
            1,
            "stack_table",
            (limits.FRAMES, "location indices of all stacks"),
        )
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
    ) -> tuple[TraceTable, list[Frame], npt.NDArray[np.uint8]]:
        """The traces of the given stacks, in that order, the frame records they use and
        the IDs of their other (native) frames.

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
        data = self._frame_records[locations].tobytes()
        offsets = np.r_[0, end] * FRAME_RECORD.itemsize
        hashes = trace_hashes(data, offsets.tolist())
        described = self._described
        distinct, _ = small_unique(locations, len(self._frame_records))
        frames = [described[i] for i in distinct.tolist() if i in described]
        bare = distinct[~self._has_record[distinct]]
        ids = self._frame_records[bare].view(np.uint8).reshape(-1, FRAME_RECORD.itemsize)
        return (
            TraceTable(hashes, data, offsets.astype(np.int64)),
            frames,
            np.ascontiguousarray(ids[:, :FRAME_ID_BYTES]),
        )

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
