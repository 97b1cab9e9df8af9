"""Value and key formats of the summary tables: a time bucket's events, pre-summed.

A summary holds what the queries over whole buckets need without touching
the event blocks: the (trace number, context key, kind) rows of
`Store.read_weights` with their counts, weights and first and last event,
and the per-(second, kind) sums of `Store.read_second_sums`. Keys are the
bucket's start second (as event keys spell seconds, so retention's key-range
deletion covers the summaries too) then the bucket's length in seconds.

Values are columnar like event blocks (storage/blocks.py), read with
`numpy.frombuffer` and checked for size. Rows layout (little-endian): header
`<BBHIIq` (version, flags, reserved, rows, contexts, bucket start ns), the
distinct context keys (u64, sorted), then per row: trace number (u32),
context index (u32), kind (u8), count (i64), weight (i64, absent when every
weight equals the count), first event (i64 ns after the bucket's start) and
last event (i64 ns after the first, so mostly zeros). Seconds layout: header
`<BBHIq` (version, reserved, reserved, rows, bucket start second), then per
(second, kind): second after the start (u32), kind (u8), events (i64),
weight (i64), first and last event within the second (u32 ns). Cells layout
(storage/cells.py, finest buckets only): header `<BBHIq` (version, flags,
kinds, cells, bucket start second), the kinds (u8 each), whether each kind
has weights unlike its counts (u8 each) and how many cells each has (u32),
then per cell in (kind, cell) order: 10 ms cells after the bucket's start
(u16, or u32 for long buckets) and events (u32, or i64 when one cell holds
more); last the weights (i64) of the cells of the kinds that have them.
"""

from __future__ import annotations

import struct

import numpy as np
import numpy.typing as npt

from devfiler.storage.cells import ROWS, FlameCells
from devfiler.storage.events import EventWeights, SecondRows
from devfiler.storage.keys import NS_PER_SECOND, encode_second

SUMMARY_VERSION = 1
_ROWS_HEADER = struct.Struct("<BBHIIq")
_SECONDS_HEADER = struct.Struct("<BBHIq")
_HAS_WEIGHTS = 1
_NARROW_CELLS = 2
_WIDE_COUNTS = 4
_CELLS_HEADER = struct.Struct("<BBHIq")
_LENGTH = struct.Struct(">I")
_OFFSET = 1 << 63
SUMMARY_KEY_SIZE = 8 + _LENGTH.size


class CorruptSummaryError(ValueError):
    """A stored summary does not decode: the store is damaged or from another version."""


def summary_key(start_s: int, length_s: int) -> bytes:
    """Key of a bucket's summary: its start second (as event keys spell it), its length."""
    return encode_second(start_s) + _LENGTH.pack(length_s)


def decode_summary_key(key: bytes) -> tuple[int, int]:
    """(start second, length in seconds) of a summary key."""
    if len(key) != SUMMARY_KEY_SIZE:
        raise CorruptSummaryError(f"summary key of {len(key)} bytes, expected {SUMMARY_KEY_SIZE}")
    return int.from_bytes(key[:8], "big") - _OFFSET, _LENGTH.unpack_from(key, 8)[0]


def encode_rows(start_s: int, rows: EventWeights) -> bytes:
    """A bucket's summed rows; their events lie in the bucket starting at `start_s`."""
    base = start_s * NS_PER_SECOND
    has_weights = not np.array_equal(rows.weights, rows.counts)
    header = _ROWS_HEADER.pack(
        SUMMARY_VERSION,
        _HAS_WEIGHTS if has_weights else 0,
        0,
        len(rows),
        len(rows.context_keys),
        base,
    )
    columns = [
        np.ascontiguousarray(rows.context_keys, "<u8"),
        np.ascontiguousarray(rows.trace_numbers[rows.trace_index], "<u4"),
        np.ascontiguousarray(rows.context_index, "<u4"),
        np.ascontiguousarray(rows.kinds, "u1"),
        np.ascontiguousarray(rows.counts, "<i8"),
        *([np.ascontiguousarray(rows.weights, "<i8")] if has_weights else []),
        np.ascontiguousarray(rows.first_ns - base, "<i8"),
        np.ascontiguousarray(rows.last_ns - rows.first_ns, "<i8"),
    ]
    return header + b"".join(column.tobytes() for column in columns)


class _Columns:
    """Cuts consecutive columns out of a value whose size was checked (`_check_size`)."""

    def __init__(self, raw: bytes, offset: int) -> None:
        self._raw = raw
        self._pos = offset

    def take(self, dtype: str, count: int) -> npt.NDArray:  # type: ignore[type-arg]
        array = np.frombuffer(self._raw, dtype=dtype, count=count, offset=self._pos)
        self._pos += array.itemsize * count
        return array


def _check_size(raw: bytes, expected: int, what: str, *, at_least: bool = False) -> None:
    if len(raw) < expected or (len(raw) != expected and not at_least):
        raise CorruptSummaryError(f"{what} is {len(raw)} bytes, its header says {expected}")


def _header(raw: bytes, layout: struct.Struct, what: str) -> tuple[int, ...]:
    if len(raw) < layout.size:
        raise CorruptSummaryError(f"{what} of {len(raw)} bytes is shorter than its header")
    fields = layout.unpack_from(raw)
    if fields[0] != SUMMARY_VERSION:
        raise CorruptSummaryError(f"{what} version {fields[0]}, expected {SUMMARY_VERSION}")
    return tuple(fields)


def decode_rows(raw: bytes) -> EventWeights:
    """A bucket's rows as `Store.read_weights` gives them (sorted distinct tables)."""
    _, flags, _, n, n_contexts, base = _header(raw, _ROWS_HEADER, "summary rows")
    per_row = 4 + 4 + 1 + 8 + (8 if flags & _HAS_WEIGHTS else 0) + 16
    _check_size(raw, _ROWS_HEADER.size + 8 * n_contexts + per_row * n, "summary rows")
    columns = _Columns(raw, _ROWS_HEADER.size)
    keys = columns.take("<u8", n_contexts)
    numbers = columns.take("<u4", n).astype(np.int64)
    context_index = columns.take("<u4", n).astype(np.intp)
    kinds = columns.take("u1", n)
    counts = columns.take("<i8", n)
    weights = columns.take("<i8", n) if flags & _HAS_WEIGHTS else counts
    first = columns.take("<i8", n) + base
    last = columns.take("<i8", n) + first
    if n and int(context_index.max()) >= n_contexts:
        raise CorruptSummaryError("summary rows have a context index out of range")
    steps = np.diff(numbers)
    if bool((steps < 0).any()):
        raise CorruptSummaryError("summary rows are not in trace order")
    new_trace = np.r_[True, steps > 0][:n]
    trace_numbers = numbers[new_trace]
    trace_index = np.cumsum(new_trace) - 1
    return EventWeights(
        trace_index.astype(np.intp),
        trace_numbers,
        context_index,
        keys,
        kinds,
        counts,
        weights,
        first,
        last,
    )


def encode_seconds(start_s: int, rows: SecondRows) -> bytes:
    header = _SECONDS_HEADER.pack(SUMMARY_VERSION, 0, 0, len(rows), start_s)
    columns = [
        np.ascontiguousarray(rows.seconds - start_s, "<u4"),
        np.ascontiguousarray(rows.kinds, "u1"),
        np.ascontiguousarray(rows.counts, "<i8"),
        np.ascontiguousarray(rows.weights, "<i8"),
        np.ascontiguousarray(rows.first_offsets, "<u4"),
        np.ascontiguousarray(rows.last_offsets, "<u4"),
    ]
    return header + b"".join(column.tobytes() for column in columns)


def decode_seconds(raw: bytes) -> SecondRows:
    _, _, _, n, start = _header(raw, _SECONDS_HEADER, "summary seconds")
    _check_size(raw, _SECONDS_HEADER.size + 29 * n, "summary seconds")
    columns = _Columns(raw, _SECONDS_HEADER.size)
    return SecondRows(
        columns.take("<u4", n).astype(np.int64) + start,
        columns.take("u1", n),
        columns.take("<i8", n),
        columns.take("<i8", n),
        columns.take("<u4", n).astype(np.int64),
        columns.take("<u4", n).astype(np.int64),
    )


def encode_cells(start_s: int, cells: FlameCells) -> bytes:
    """Cells in (kind, cell) order, as `FlameCells.of_times` gives them."""
    kinds, runs = np.unique(cells.kinds, return_counts=True)
    starts = np.r_[0, np.cumsum(runs)[:-1]].astype(np.intp)
    differs = cells.weights != cells.counts
    weighted = np.logical_or.reduceat(differs, starts) if len(cells) else np.zeros(0, bool)
    offsets = cells.cells - start_s * ROWS
    flags = _NARROW_CELLS if len(offsets) == 0 or int(offsets.max()) <= 0xFFFF else 0
    flags |= _WIDE_COUNTS if len(offsets) and int(cells.counts.max()) > 0xFFFF_FFFF else 0
    header = _CELLS_HEADER.pack(SUMMARY_VERSION, flags, len(kinds), len(cells), start_s)
    columns = [
        np.ascontiguousarray(kinds, "u1"),
        np.ascontiguousarray(weighted, "u1"),
        np.ascontiguousarray(runs, "<u4"),
        np.ascontiguousarray(offsets, "<u2" if flags & _NARROW_CELLS else "<u4"),
        np.ascontiguousarray(cells.counts, "<i8" if flags & _WIDE_COUNTS else "<u4"),
        np.ascontiguousarray(cells.weights[np.repeat(weighted, runs)], "<i8"),
    ]
    return header + b"".join(column.tobytes() for column in columns)


def decode_cells(raw: bytes) -> FlameCells:
    _, flags, n_kinds, n, start = _header(raw, _CELLS_HEADER, "summary cells")
    cell_dtype = "<u2" if flags & _NARROW_CELLS else "<u4"
    count_dtype = "<i8" if flags & _WIDE_COUNTS else "<u4"
    _check_size(raw, _CELLS_HEADER.size + 6 * n_kinds, "summary cells", at_least=True)
    columns = _Columns(raw, _CELLS_HEADER.size)
    kinds = columns.take("u1", n_kinds)
    weighted = columns.take("u1", n_kinds).astype(bool)
    runs = columns.take("<u4", n_kinds)
    if int(runs.sum()) != n:
        raise CorruptSummaryError("summary cells' kinds do not add up to its cells")
    has_weight = np.repeat(weighted, runs)
    n_weights = int(runs[weighted].sum())
    per_cell = np.dtype(cell_dtype).itemsize + np.dtype(count_dtype).itemsize
    _check_size(
        raw, _CELLS_HEADER.size + 6 * n_kinds + per_cell * n + 8 * n_weights, "summary cells"
    )
    cells = columns.take(cell_dtype, n).astype(np.int64) + start * ROWS
    counts = columns.take(count_dtype, n).astype(np.int64)
    weights = counts
    if n_weights:
        weights = counts.copy()
        weights[has_weight] = columns.take("<i8", n_weights)
    return FlameCells(cells, np.repeat(kinds, runs), counts, weights)
