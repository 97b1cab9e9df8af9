"""One executable's symbols on disk: sorted arrays that numpy memory-maps, and lookups.

Layout: 8-byte magic, 8-byte little-endian header length, a JSON header
(metadata and, per array, dtype / offset / length), then the arrays, each
aligned to 16 bytes. Ranges are sorted by (depth, start) with `depth_bounds`
giving each depth's slice, so a lookup is one `searchsorted` per inline depth
over the whole batch of addresses; the line table is sorted by address.
Files are written to a temporary name and renamed, so readers in other
processes see either the old file or the complete new one.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from devfiler.model import SourceLine
from devfiler.symbolize.formats.ranges import END_OF_SEQUENCE, RangeTable

MAGIC = b"DFSYMS01"
_ALIGN = 16
_CACHE_LIMIT = 1_000_000
"""Most chains kept per open file (bounds memory on huge, varied queries)."""


@dataclass(frozen=True, slots=True)
class SymbolFileInfo:
    """Metadata kept in a symbol file's header."""

    file_id: str
    file_name: str = ""
    gnu_build_id: str = ""
    go_build_id: str = ""
    functions: int = 0
    ranges: int = 0
    sources: tuple[str, ...] = ()


def write_symbol_file(path: Path, info: SymbolFileInfo, table: RangeTable) -> None:
    """Write `table` (already normalized) atomically to `path`."""
    depth = table.depth
    max_depth = int(depth.max()) + 1 if len(depth) else 0
    bounds = np.searchsorted(depth, np.arange(max_depth + 1), side="left").astype(np.int64)
    encoded = [s.encode("utf-8", "surrogateescape") for s in table.strings]
    str_offsets = np.zeros(len(encoded) + 1, dtype=np.uint64)
    np.cumsum([len(e) for e in encoded], out=str_offsets[1:])
    arrays: dict[str, npt.NDArray[Any]] = {
        "start": table.start,
        "end": table.end,
        "depth_bounds": bounds,
        "func": table.func,
        "call_file": table.call_file,
        "call_line": table.call_line,
        "line_addr": table.line_addr,
        "line_file": table.line_file,
        "line_no": table.line_no,
        "str_offsets": str_offsets,
        "str_data": np.frombuffer(b"".join(encoded), dtype=np.uint8),
    }
    layout: dict[str, list[Any]] = {}
    offset = 0
    for name, array in arrays.items():
        layout[name] = [array.dtype.str, offset, len(array)]
        offset += _padded(array.nbytes)
    header = json.dumps({"info": _info_dict(info), "arrays": layout}).encode()
    data_start = _padded(16 + len(header))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(MAGIC + len(header).to_bytes(8, "little") + header)
            out.write(b"\0" * (data_start - 16 - len(header)))
            for array in arrays.values():
                raw = np.ascontiguousarray(array).tobytes()
                out.write(raw + b"\0" * (_padded(len(raw)) - len(raw)))
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _info_dict(info: SymbolFileInfo) -> dict[str, Any]:
    return {
        "file_id": info.file_id,
        "file_name": info.file_name,
        "gnu_build_id": info.gnu_build_id,
        "go_build_id": info.go_build_id,
        "functions": info.functions,
        "ranges": info.ranges,
        "sources": list(info.sources),
    }


def _padded(size: int) -> int:
    return (size + _ALIGN - 1) // _ALIGN * _ALIGN


def read_symbol_file_info(path: Path) -> SymbolFileInfo:
    """Only the header (cheap: used to list what was ingested)."""
    with open(path, "rb") as handle:
        return _parse_header(handle.read(16), handle)[0]


def _parse_header(prefix: bytes, handle: Any) -> tuple[SymbolFileInfo, dict[str, Any], int]:
    if len(prefix) < 16 or prefix[:8] != MAGIC:
        raise ValueError("not a devfiler symbol file")
    length = int.from_bytes(prefix[8:16], "little")
    doc = json.loads(handle.read(length))
    raw = doc["info"]
    info = SymbolFileInfo(
        file_id=raw["file_id"],
        file_name=raw.get("file_name", ""),
        gnu_build_id=raw.get("gnu_build_id", ""),
        go_build_id=raw.get("go_build_id", ""),
        functions=int(raw.get("functions", 0)),
        ranges=int(raw.get("ranges", 0)),
        sources=tuple(raw.get("sources", ())),
    )
    return info, doc["arrays"], _padded(16 + length)


class SymbolFile:
    """A memory-mapped symbol file; lookups are safe from several threads."""

    def __init__(self, path: Path):
        with open(path, "rb") as handle:
            self.info, layout, data_start = _parse_header(handle.read(16), handle)
        raw = np.memmap(path, dtype=np.uint8, mode="r")
        self._arrays: dict[str, npt.NDArray[Any]] = {}
        for name, (dtype, offset, length) in layout.items():
            kind = np.dtype(dtype)
            begin = data_start + int(offset)
            # Plain ndarray views: indexing a memmap subclass costs far more per element.
            self._arrays[name] = np.asarray(raw[begin : begin + int(length) * kind.itemsize]).view(
                kind
            )
        a = self._arrays
        self.start, self.end = a["start"], a["end"]
        self.func, self.call_file, self.call_line = a["func"], a["call_file"], a["call_line"]
        self.line_addr, self.line_file, self.line_no = a["line_addr"], a["line_file"], a["line_no"]
        self._bounds = a["depth_bounds"].tolist()
        self._str_offsets = a["str_offsets"]
        self._str_data = a["str_data"]
        self._strings: list[str] | None = None
        self._chains: dict[int, tuple[SourceLine, ...]] = {}
        """Chains by (leaf range, line row) folded into one int, as `lookup` keys them."""
        self._prefixes: dict[int, tuple[SourceLine, ...]] = {}
        self._caller_columns: tuple[list[int], list[int], list[int]] | None = None

    @property
    def strings(self) -> list[str]:
        """Every string of the file, decoded on first use (names repeat across lookups)."""
        if self._strings is None:
            blob = bytes(self._str_data)
            offsets = self._str_offsets.tolist()
            self._strings = [
                blob[begin:end].decode("utf-8", "surrogateescape")
                for begin, end in itertools.pairwise(offsets)
            ]
        return self._strings

    @property
    def function_ranges(self) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
        """Starts and ends of the depth-0 ranges (the functions themselves)."""
        top = self._bounds[1] if len(self._bounds) > 1 else 0
        return self.start[:top], self.end[:top]

    def to_table(self) -> RangeTable:
        """The stored ranges as a (normalized) range table, e.g. to write them elsewhere."""
        depth = np.repeat(
            np.arange(max(len(self._bounds) - 1, 0), dtype=np.uint16), np.diff(self._bounds)
        )
        return RangeTable(
            strings=list(self.strings),
            start=np.asarray(self.start),
            end=np.asarray(self.end),
            depth=depth,
            func=np.asarray(self.func),
            call_file=np.asarray(self.call_file),
            call_line=np.asarray(self.call_line),
            line_addr=np.asarray(self.line_addr),
            line_file=np.asarray(self.line_file),
            line_no=np.asarray(self.line_no),
        )

    def lookup(self, addresses: npt.ArrayLike) -> list[tuple[SourceLine, ...]]:
        """Inline chain of each address, outermost first; () where nothing covers it.

        Work per address is numpy only; Python runs once per distinct (leaf range,
        line row), and caller prefixes are cached per leaf range across calls.
        """
        given = np.asarray(addresses, dtype=np.uint64).reshape(-1)
        # Sorted distinct addresses make every searchsorted below cache-friendly.
        addrs, by_address = np.unique(given, return_inverse=True)
        levels = self._levels(addrs)
        if not levels:
            return [()] * len(given)
        stacked = np.stack(levels)  # (depth, n): range index or -1
        count = (stacked >= 0).sum(axis=0)
        leaf = stacked[np.maximum(count - 1, 0), np.arange(len(addrs))]
        row = self._line_rows(addrs)
        key = np.where(count > 0, leaf * (len(self.line_addr) + 1) + row + 1, -1)
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        leafs, rows, counts = leaf[first], row[first], count[first]
        safe_rows = np.maximum(rows, 0)
        leaf_funcs = self.func[np.maximum(leafs, 0)].tolist()
        leaf_files = self.line_file[safe_rows].tolist() if len(self.line_addr) else []
        leaf_lines = self.line_no[safe_rows].tolist() if len(self.line_addr) else []
        distinct: list[tuple[SourceLine, ...]] = []
        cache = self._chains
        strings = self.strings
        firsts = first.tolist()
        for i, (chain_key, n, leaf_index, line_row) in enumerate(
            zip(key[first].tolist(), counts.tolist(), leafs.tolist(), rows.tolist(), strict=True)
        ):
            if n == 0:
                distinct.append(())
                continue
            chain = cache.get(chain_key)
            if chain is None:
                function = strings[leaf_funcs[i]]
                leaf_frame = (
                    SourceLine(function, strings[leaf_files[i]], leaf_lines[i])
                    if line_row >= 0
                    else SourceLine(function)
                )
                chain = (*self._callers(leaf_index, stacked, firsts[i], n), leaf_frame)
                if len(cache) < _CACHE_LIMIT:
                    cache[chain_key] = chain
            distinct.append(chain)
        per_address = [distinct[i] for i in inverse.reshape(-1).tolist()]
        return [per_address[i] for i in by_address.reshape(-1).tolist()]

    def _line_rows(self, addrs: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        """Line-table row of each address, -1 where no sequence covers it."""
        if not len(self.line_addr):
            return np.full(len(addrs), -1, dtype=np.int64)
        row = np.searchsorted(self.line_addr, addrs, side="right").astype(np.int64) - 1
        valid = (row >= 0) & (self.line_file[np.maximum(row, 0)] != END_OF_SEQUENCE)
        return np.where(valid, row, -1)

    def _levels(self, addrs: npt.NDArray[np.uint64]) -> list[npt.NDArray[np.int64]]:
        """Per depth, the range containing each address (-1 where none); deeper levels
        only search the addresses the level above still covers."""
        levels: list[npt.NDArray[np.int64]] = []
        alive = np.arange(len(addrs))
        for depth in range(len(self._bounds) - 1):
            lo, hi = self._bounds[depth], self._bounds[depth + 1]
            if hi <= lo or not len(alive):
                break
            probe = addrs[alive]
            idx = np.searchsorted(self.start[lo:hi], probe, side="right").astype(np.int64) - 1
            hit = idx >= 0
            idx = np.where(hit, idx, 0) + lo
            hit &= probe < self.end[idx]
            if not hit.any():
                break
            level = np.full(len(addrs), -1, dtype=np.int64)
            alive = alive[hit]
            level[alive] = idx[hit]
            levels.append(level)
        return levels

    def _callers(
        self, leaf: int, stacked: npt.NDArray[np.int64], column: int, n: int
    ) -> tuple[SourceLine, ...]:
        """Frames of every level above the leaf, each at the call site of the next level."""
        if n < 2:
            return ()
        cached = self._prefixes.get(leaf)
        if cached is None:
            if self._caller_columns is None:
                # Python lists index far faster than numpy scalars in this per-chain loop.
                self._caller_columns = (
                    self.func.tolist(),
                    self.call_file.tolist(),
                    self.call_line.tolist(),
                )
            func, call_file, call_line = self._caller_columns
            strings = self.strings
            cached = tuple(
                SourceLine(strings[func[outer]], strings[call_file[inner]], call_line[inner])
                for outer, inner in itertools.pairwise(stacked[:n, column].tolist())
            )
            if len(self._prefixes) < _CACHE_LIMIT:
                self._prefixes[leaf] = cached
        return cached
