"""Between symbfile records and the symbol store's range model, both ways.

The two models differ in one point: a symbfile range carries its own line table
(for the addresses where it is the innermost instance), while the range model
keeps one address-sorted line table per file that applies to whichever range is
innermost. Both directions therefore cut the address space at every range and
line boundary and ask, per piece, which range is innermost there and which
line holds. Return pads (the inline stack at one address) become one-byte
ranges where no range record covers their address.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import zstandard

from devfiler.symbolize.formats.ranges import END_OF_SEQUENCE, RangeBuilder, RangeTable
from devfiler.symbolize.formats.symbfile import (
    RangeRecord,
    ReturnPadRecord,
    SymbfileWriter,
    iter_records,
)

_BATCH = 4096
"""Records per string table on writing: bounds message sizes for huge files."""
_MAX_ADDRESS = (1 << 64) - 1

I64 = npt.NDArray[np.int64]


def read_symbfile(stream: BinaryIO) -> RangeTable:
    """A normalized range table from a symbfile stream (plain or zstd)."""
    return table_from_records(iter_records(stream))


def write_symbfile(path: Path, table: RangeTable, *, compress: bool = True) -> None:
    """Write `table` as a symbfile, zstd-compressed as symbol endpoints serve it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw:
        if compress:
            with zstandard.ZstdCompressor(level=9).stream_writer(raw, closefd=False) as out:
                _write_records(out, records_from_table(table))
        else:
            _write_records(raw, records_from_table(table))


def _write_records(out: BinaryIO, records: Iterable[RangeRecord]) -> None:
    writer = SymbfileWriter(out)
    batch: list[RangeRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) == _BATCH:
            _write_batch(writer, batch)
            batch = []
    _write_batch(writer, batch)


def _write_batch(writer: SymbfileWriter, batch: list[RangeRecord]) -> None:
    if not batch:
        return
    used = dict.fromkeys(s for r in batch for s in (r.func, r.file, r.call_file) if s)
    writer.string_table(used)
    for record in batch:
        writer.range(record)


# -- records -> table ---------------------------------------------------------


@dataclass(slots=True)
class _Collected:
    """Columns gathered from the records, strings interned."""

    builder: RangeBuilder
    files: list[int]
    """Per range: the source file of its instructions."""
    inherit: list[bool]
    """Per range: its call file is its parent's file."""
    segments: list[tuple[int, int, int, int, int]]
    """(depth, start, end, file, line) of every line-table entry."""
    pads: list[ReturnPadRecord]


def table_from_records(records: Iterable[RangeRecord | ReturnPadRecord]) -> RangeTable:
    collected = _Collected(RangeBuilder(), [], [], [], [])
    for record in records:
        if isinstance(record, ReturnPadRecord):
            collected.pads.append(record)
        else:
            _add_range(collected, record)
    _add_pads(collected)
    builder = collected.builder
    table = builder.build()
    call_file = _inherit_call_files(
        table,
        np.asarray(collected.files, dtype=np.uint32),
        np.asarray(collected.inherit, dtype=bool),
    )
    ranges = replace(table, call_file=call_file).normalized()
    addr, file, line = _flat_lines(ranges, collected.segments)
    return replace(ranges, line_addr=addr, line_file=file, line_no=line)


def _add_range(collected: _Collected, record: RangeRecord) -> None:
    builder = collected.builder
    start, end = record.elf_va, min(record.elf_va + record.length, _MAX_ADDRESS)
    if end <= start:
        return
    file = builder.intern(record.file)
    builder.add_range(
        start,
        end,
        record.depth,
        builder.intern(record.func),
        builder.intern(record.call_file),
        record.call_line,
    )
    collected.files.append(file)
    collected.inherit.append(not record.call_file)
    bounds = [*(offset for offset, _ in record.lines), end - start]
    for (offset, line), stop in zip(record.lines, bounds[1:], strict=False):
        begin, finish = start + offset, min(start + stop, end)
        if begin < finish:
            collected.segments.append((record.depth, begin, finish, file, line))


def _add_pads(collected: _Collected) -> None:
    """One-byte ranges for every pad whose address no top-level range covers."""
    builder = collected.builder
    tops = np.asarray(builder.depths, dtype=np.int64) == 0
    starts = np.asarray(builder.starts, dtype=np.uint64)[tops]
    ends = np.asarray(builder.ends, dtype=np.uint64)[tops]
    order = np.argsort(starts, kind="stable")
    starts, reach = starts[order], np.maximum.accumulate(ends[order]) if len(ends) else ends
    for pad in collected.pads:
        if not pad.frames or pad.elf_va >= _MAX_ADDRESS:
            continue
        at = int(np.searchsorted(starts, np.uint64(pad.elf_va), side="right")) - 1
        if at >= 0 and pad.elf_va < int(reach[at]):
            continue
        for depth, frame in enumerate(pad.frames):
            caller = pad.frames[depth - 1] if depth else None
            builder.add_range(
                pad.elf_va,
                pad.elf_va + 1,
                depth,
                builder.intern(frame.function),
                builder.intern(caller.file) if caller else 0,
                caller.line if caller else 0,
            )
            collected.files.append(builder.intern(frame.file))
            collected.inherit.append(False)
        last = pad.frames[-1]
        collected.segments.append(
            (len(pad.frames) - 1, pad.elf_va, pad.elf_va + 1, builder.intern(last.file), last.line)
        )


def _inherit_call_files(
    table: RangeTable, files: npt.NDArray[np.uint32], inherit: npt.NDArray[np.bool_]
) -> npt.NDArray[np.uint32]:
    """Fill the call file of inlined records that leave it to their parent's file."""
    call_file = table.call_file.copy()
    for depth in range(1, int(table.depth.max()) + 1 if len(table) else 0):
        children = np.flatnonzero((table.depth == depth) & inherit)
        parents = np.flatnonzero(table.depth == depth - 1)
        if not len(children) or not len(parents):
            continue
        parents = parents[np.argsort(table.start[parents], kind="stable")]
        at = np.searchsorted(table.start[parents], table.start[children], side="right") - 1
        safe = parents[np.maximum(at, 0)]
        found = (at >= 0) & (table.start[children] < table.end[safe])
        call_file[children[found]] = files[safe[found]]
    return call_file


def _innermost(table: RangeTable, points: npt.NDArray[np.uint64]) -> I64:
    """Index of the deepest range (of a normalized table) containing each point, -1 if none."""
    leaf = np.full(len(points), -1, dtype=np.int64)
    if not len(table):
        return leaf
    bounds = np.searchsorted(table.depth, np.arange(int(table.depth.max()) + 2), side="left")
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if hi <= lo:
            continue
        at = np.searchsorted(table.start[lo:hi], points, side="right").astype(np.int64) - 1
        index = np.maximum(at, 0) + lo
        hit = (at >= 0) & (points < table.end[index])
        leaf[hit] = index[hit]
    return leaf


def _flat_lines(
    ranges: RangeTable, segments: list[tuple[int, int, int, int, int]]
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """The one-per-file line table: at each boundary, the line of the innermost range's
    own line table there (none in its holes and outside every range)."""
    seg = np.asarray(segments, dtype=np.uint64).reshape(-1, 5)
    seg = seg[np.lexsort((seg[:, 1], seg[:, 0]))]
    points = np.unique(np.concatenate([ranges.start, ranges.end, seg[:, 1], seg[:, 2]]))
    leaf = _innermost(ranges, points)
    file = np.full(len(points), END_OF_SEQUENCE, dtype=np.uint32)
    line = np.zeros(len(points), dtype=np.uint32)
    leaf_depth = np.where(leaf >= 0, ranges.depth[np.maximum(leaf, 0)], -1)
    depth_bounds = np.searchsorted(
        seg[:, 0], np.arange(int(seg[:, 0].max()) + 2 if len(seg) else 0)
    )
    for depth, (lo, hi) in enumerate(
        zip(depth_bounds[:-1].tolist(), depth_bounds[1:].tolist(), strict=True)
    ):
        ask = np.flatnonzero(leaf_depth == depth)
        if hi <= lo or not len(ask):
            continue
        at = np.searchsorted(seg[lo:hi, 1], points[ask], side="right").astype(np.int64) - 1
        row = np.maximum(at, 0) + lo
        hit = (at >= 0) & (points[ask] < seg[row, 2]) & (seg[row, 4] > 0)
        file[ask[hit]] = seg[row[hit], 3]
        line[ask[hit]] = seg[row[hit], 4]
    changed = np.r_[True, (file[1:] != file[:-1]) | (line[1:] != line[:-1])]
    return points[changed], file[changed], line[changed]


# -- table -> records ---------------------------------------------------------


def records_from_table(table: RangeTable) -> Iterator[RangeRecord]:
    """Range records of a normalized table, ordered by address then depth. A range whose
    own lines come from several files is cut into one record per file."""
    if not len(table):
        return
    points = np.unique(np.concatenate([table.start, table.end, table.line_addr]))
    leaf = _innermost(table, points)
    file, line = _lines_at(table, points)
    mine = np.flatnonzero(leaf >= 0)
    mine = mine[np.lexsort((points[mine], leaf[mine]))]
    owners = leaf[mine]
    cuts = np.searchsorted(owners, np.arange(len(table) + 1))
    strings = table.strings
    order = np.lexsort((table.depth, table.start))
    for r in order.tolist():
        own = mine[cuts[r] : cuts[r + 1]]
        yield from _pieces(
            table,
            r,
            points[own].tolist(),
            file[own].tolist(),
            line[own].tolist(),
            strings,
        )


def _lines_at(
    table: RangeTable, points: npt.NDArray[np.uint64]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """File (END_OF_SEQUENCE for none) and line of the line-table row holding at each point."""
    file = np.full(len(points), END_OF_SEQUENCE, dtype=np.uint32)
    line = np.zeros(len(points), dtype=np.uint32)
    if len(table.line_addr):
        row = np.searchsorted(table.line_addr, points, side="right").astype(np.int64) - 1
        safe = np.maximum(row, 0)
        file = np.where(row >= 0, table.line_file[safe], file)
        line = np.where(file != END_OF_SEQUENCE, table.line_no[safe], line)
    return file, line


def _pieces(
    table: RangeTable,
    r: int,
    points: list[int],
    files: list[int],
    lines: list[int],
    strings: list[str],
) -> Iterator[RangeRecord]:
    start, end = int(table.start[r]), int(table.end[r])
    func = strings[int(table.func[r])]
    call_file = strings[int(table.call_file[r])]
    call_line = int(table.call_line[r])
    depth = int(table.depth[r])
    piece_start, piece_file = start, END_OF_SEQUENCE
    entries: list[tuple[int, int]] = []
    for point, file, line in zip(points, files, lines, strict=True):
        if file != END_OF_SEQUENCE and piece_file not in (END_OF_SEQUENCE, file):
            yield RangeRecord(
                piece_start,
                point - piece_start,
                func,
                strings[piece_file],
                call_line,
                call_file,
                depth,
                tuple(entries),
            )
            piece_start, entries = point, []
        if file != END_OF_SEQUENCE:
            piece_file = file
        if not entries or entries[-1][1] != line:
            entries.append((point - piece_start, line))
    name = strings[piece_file] if piece_file != END_OF_SEQUENCE else ""
    yield RangeRecord(
        piece_start, end - piece_start, func, name, call_line, call_file, depth, tuple(entries)
    )
