"""The range model: symbol information as address ranges with inline depth.

Every function instance is a range [start, end) with a depth (0 = the
function itself, deeper = code inlined into the range one level up), the
function's name, and the call file and call line at which this instance was
inlined into its parent. Source lines come from a separate line table (address
-> file, line) that applies to the deepest range containing an address. This
is the symbfile model of the protocol, with one line table per file rather
than one per range, which answers the same questions with less storage.

Extractors (DWARF, Go, symtab) fill a RangeBuilder; merge() combines several
sources into one RangeTable with the priority DWARF > Go > symtab > dynsym.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

END_OF_SEQUENCE = 0xFFFFFFFF
"""line_file value of a line-table row that ends a sequence (no line from here on)."""

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
U16 = npt.NDArray[np.uint16]


class RangeBuilder:
    """Collects ranges and line rows as plain lists (cheap appends), with interned strings."""

    def __init__(self) -> None:
        self.strings: list[str] = [""]
        self._string_index: dict[str, int] = {"": 0}
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.depths: list[int] = []
        self.funcs: list[int] = []
        self.call_files: list[int] = []
        self.call_lines: list[int] = []
        self.line_addrs: list[int] = []
        self.line_files: list[int] = []
        self.line_numbers: list[int] = []

    def intern(self, text: str) -> int:
        index = self._string_index.get(text)
        if index is None:
            index = len(self.strings)
            self._string_index[text] = index
            self.strings.append(text)
        return index

    def add_range(
        self, start: int, end: int, depth: int, func: int, call_file: int = 0, call_line: int = 0
    ) -> None:
        """Add [start, end); empty or inverted ranges are ignored."""
        if end <= start:
            return
        self.starts.append(start)
        self.ends.append(end)
        self.depths.append(depth)
        self.funcs.append(func)
        self.call_files.append(call_file)
        self.call_lines.append(call_line)

    def add_line(self, address: int, file: int, line: int) -> None:
        self.line_addrs.append(address)
        self.line_files.append(file)
        self.line_numbers.append(line)

    def end_sequence(self, address: int) -> None:
        self.add_line(address, END_OF_SEQUENCE, 0)

    def build(self) -> RangeTable:
        return RangeTable(
            strings=self.strings,
            start=_u64(self.starts),
            end=_u64(self.ends),
            depth=np.asarray(self.depths, dtype=np.uint16),
            func=np.asarray(self.funcs, dtype=np.uint32),
            call_file=np.asarray(self.call_files, dtype=np.uint32),
            call_line=np.asarray(self.call_lines, dtype=np.uint32),
            line_addr=_u64(self.line_addrs),
            line_file=np.asarray(self.line_files, dtype=np.uint32),
            line_no=np.asarray(self.line_numbers, dtype=np.uint32),
        )


def _u64(values: list[int]) -> U64:
    return np.asarray(values, dtype=np.uint64) if values else np.zeros(0, dtype=np.uint64)


@dataclass(frozen=True, slots=True)
class RangeTable:
    """Columns of ranges and line rows; string columns index `strings` (0 = empty)."""

    strings: list[str]
    start: U64
    end: U64
    depth: U16
    func: U32
    call_file: U32
    call_line: U32
    line_addr: U64
    line_file: U32
    line_no: U32

    @property
    def function_count(self) -> int:
        return int(np.count_nonzero(self.depth == 0))

    def __len__(self) -> int:
        return len(self.start)

    def normalized(self) -> RangeTable:
        """Ranges sorted by (depth, start) without overlaps within a depth; line rows
        sorted by address, one row per address (the last one given, as addr2line does)."""
        order = np.lexsort((self.start, self.depth))
        depth = self.depth[order]
        keep = np.ones(len(order), dtype=bool)
        bounds = np.flatnonzero(np.r_[True, depth[1:] != depth[:-1], True])
        for begin, stop in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            # Within one depth a range that starts before an earlier one ended is a
            # duplicate (aliases, folded code): the first one wins.
            starts = self.start[order[begin:stop]]
            running = np.maximum.accumulate(self.end[order[begin:stop]])
            keep[begin + 1 : stop] = starts[1:] >= running[:-1]
        order = order[keep]
        line_order = np.lexsort((self.line_file != END_OF_SEQUENCE, self.line_addr))
        addrs = self.line_addr[line_order]
        last = np.r_[addrs[1:] != addrs[:-1], True] if len(addrs) else np.zeros(0, dtype=bool)
        line_order = line_order[last]
        return RangeTable(
            strings=self.strings,
            start=self.start[order],
            end=self.end[order],
            depth=self.depth[order],
            func=self.func[order],
            call_file=self.call_file[order],
            call_line=self.call_line[order],
            line_addr=self.line_addr[line_order],
            line_file=self.line_file[line_order],
            line_no=self.line_no[line_order],
        )


def merge(sources: list[RangeTable]) -> RangeTable:
    """Combine sources given in priority order: a lower source's function (with what is
    inlined into it) is kept only where no higher source already has a function."""
    strings: list[str] = [""]
    index: dict[str, int] = {"": 0}
    pieces: list[RangeTable] = []
    cov_starts: U64 = np.zeros(0, dtype=np.uint64)
    cov_ends: U64 = np.zeros(0, dtype=np.uint64)
    for table in sources:
        for text in table.strings:
            if text not in index:
                index[text] = len(strings)
                strings.append(text)
        remap = np.asarray([index[s] for s in table.strings], dtype=np.uint32)
        roots = np.flatnonzero(table.depth == 0)
        kept = roots[~_overlaps(table.start[roots], table.end[roots], cov_starts, cov_ends)]
        kept_starts, kept_ends = _union(table.start[kept], table.end[kept])
        keep = _contains(kept_starts, kept_ends, table.start)
        lines = ~_contains(cov_starts, cov_ends, table.line_addr)
        line_file = table.line_file[lines]
        is_end = line_file == END_OF_SEQUENCE
        pieces.append(
            RangeTable(
                strings=strings,
                start=table.start[keep],
                end=table.end[keep],
                depth=table.depth[keep],
                func=remap[table.func[keep]],
                call_file=remap[table.call_file[keep]],
                call_line=table.call_line[keep],
                line_addr=table.line_addr[lines],
                line_file=np.where(is_end, END_OF_SEQUENCE, remap[np.where(is_end, 0, line_file)]),
                line_no=table.line_no[lines],
            )
        )
        cov_starts, cov_ends = _union(np.r_[cov_starts, kept_starts], np.r_[cov_ends, kept_ends])
    if not pieces:
        return RangeBuilder().build()
    return RangeTable(
        strings=strings,
        **{name: np.concatenate([getattr(p, name) for p in pieces]) for name in _COLUMNS},
    )


_COLUMNS = (
    "start",
    "end",
    "depth",
    "func",
    "call_file",
    "call_line",
    "line_addr",
    "line_file",
    "line_no",
)


def _union(starts: U64, ends: U64) -> tuple[U64, U64]:
    """Sorted disjoint intervals covering the same addresses."""
    if not len(starts):
        return starts.astype(np.uint64), ends.astype(np.uint64)
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    running = np.maximum.accumulate(ends)
    new = np.r_[True, starts[1:] > running[:-1]]
    group_ends = np.r_[np.flatnonzero(new)[1:] - 1, len(starts) - 1]
    return starts[new], running[group_ends]


def _contains(cov_starts: U64, cov_ends: U64, addresses: U64) -> npt.NDArray[np.bool_]:
    """Whether each address lies in the sorted disjoint cover."""
    if not len(cov_starts):
        return np.zeros(len(addresses), dtype=bool)
    idx = np.searchsorted(cov_starts, addresses, side="right") - 1
    safe = np.maximum(idx, 0)
    return (idx >= 0) & (addresses < cov_ends[safe])


def _overlaps(starts: U64, ends: U64, cov_starts: U64, cov_ends: U64) -> npt.NDArray[np.bool_]:
    """Whether each [start, end) intersects the sorted disjoint cover."""
    if not len(cov_starts):
        return np.zeros(len(starts), dtype=bool)
    # The last cover interval starting before `end` intersects iff it ends after `start`.
    idx = np.searchsorted(cov_starts, ends, side="left") - 1
    safe = np.maximum(idx, 0)
    return (idx >= 0) & (cov_ends[safe] > starts)
