"""Trace packs: written as ranges of trace numbers complete, read in place of single rows,
rewritten when the unused-trace collection deletes traces, refused when corrupt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from devfiler.config import data_paths
from devfiler.identity import make_trace
from devfiler.model import FileId, FrameId, FrameKind, Trace
from devfiler.storage.batch import IngestBatch
from devfiler.storage.deleting import UnusedRows
from devfiler.storage.keys import trace_key
from devfiler.storage.records import TraceFrames, decode_trace_frames, encode_trace
from devfiler.storage.store import Store
from devfiler.storage.tables import TRACE_PACKS
from devfiler.storage.trace_packs import (
    CorruptPackError,
    decode_pack,
    encode_pack,
)
from devfiler.storage.writing import References

PACK = 8
KINDS = (FrameKind.NATIVE, FrameKind.KERNEL, FrameKind.CPYTHON)


def _trace(n: int) -> Trace:
    """Trace n: a leaf of its own under 0 to 4 callers from a pool that every trace shares,
    one of them with a kind that changes from trace to trace."""
    callers = [FrameId(FileId(0xA0 + i % 2), 0x10 * i) for i in range(n % 5)]
    frames = (FrameId(FileId(0xC0), n), *callers)
    kinds = (KINDS[n % 3], *(KINDS[(n + i) % 2 if i == 1 else 0] for i in range(len(callers))))
    return make_trace(frames, kinds)


TRACES = [_trace(n) for n in range(45)]


def _fill(path: Path, traces: list[Trace] = TRACES, *, pack: int = PACK) -> Store:
    """A store with `traces` numbered in order, written a few per request."""
    store = Store.open(data_paths(path), trace_pack_size=pack)
    for low in range(0, len(traces), 3):
        store.write(IngestBatch(traces=traces[low : low + 3]))
    return store


def _stored(traces: list[Trace | None]) -> TraceFrames:
    """Traces as the store reads their rows (None: a deleted row)."""
    return decode_trace_frames(
        [None if t is None else t.hash.to_bytes() + encode_trace(t) for t in traces]
    )


def _per_trace(records: np.ndarray, starts: list[int], ends: list[int]) -> list[bytes]:  # type: ignore[type-arg]
    return [records[start:end].tobytes() for start, end in zip(starts, ends, strict=True)]


def _assert_same_as_rows(store: Store, numbers: list[int]) -> None:
    wanted = np.array(numbers, dtype=np.int64)
    coded = store.coded_traces(wanted)
    rows = store.trace_frames(wanted)
    ends = (coded.starts + coded.lengths).tolist()
    assert _per_trace(coded.records[coded.codes], coded.starts.tolist(), ends) == _per_trace(
        rows.records, rows.offsets[:-1].tolist(), rows.offsets[1:].tolist()
    )
    assert coded.found.tolist() == rows.found.tolist()


def test_complete_ranges_are_packed_and_read_like_rows(tmp_path: Path) -> None:
    with _fill(tmp_path) as store:
        assert store.count(TRACE_PACKS) == len(TRACES) // PACK
        every = list(range(len(TRACES) + 3))
        _assert_same_as_rows(store, every)
        _assert_same_as_rows(store, every[::-1])
        _assert_same_as_rows(store, [44, 3, 9, 10, 11, 0, 7, 8, 20])
        _assert_same_as_rows(store, [])


def test_a_pack_keeps_its_traces_whole_and_in_order() -> None:
    stored = _stored([*TRACES[:3], None, *TRACES[4:PACK]])
    pack = decode_pack(16, PACK, encode_pack(stored))
    again = pack.trace_frames()
    assert again.records.tobytes() == stored.records.tobytes()
    assert again.offsets.tolist() == stored.offsets.tolist()
    assert again.found.tolist() == [True, True, True, False, True, True, True, True]
    assert len(pack.frames) < len(stored.records)


def test_a_pack_of_more_than_65536_frames_codes_them_in_four_bytes() -> None:
    broad = [
        make_trace(
            tuple(FrameId(FileId(0xD0 + n), address) for address in range(10_000)),
            (FrameKind.NATIVE,) * 10_000,
        )
        for n in range(PACK)
    ]
    pack = decode_pack(0, PACK, encode_pack(_stored(list(broad))))
    assert pack.codes.dtype.itemsize == 4
    assert len(pack.frames) == 80_000
    assert pack.trace_frames().records.tobytes() == _stored(list(broad)).records.tobytes()


def test_packs_of_a_store_written_before_packs_are_backfilled_by_later_writes(
    tmp_path: Path,
) -> None:
    with _fill(tmp_path) as store:
        for first in range(0, len(TRACES) - PACK + 1, PACK):
            store._tables[TRACE_PACKS.name].delete(trace_key(first))
        assert store.count(TRACE_PACKS) == 0
    with Store.open(data_paths(tmp_path), trace_pack_size=1000) as store:
        _assert_same_as_rows(store, list(range(len(TRACES))))
        for _ in range(len(TRACES) // PACK):
            store.write(IngestBatch())
        assert store.count(TRACE_PACKS) == len(TRACES) // PACK
        _assert_same_as_rows(store, list(range(len(TRACES))))


def test_a_restart_mid_range_packs_the_range_when_it_completes(tmp_path: Path) -> None:
    with _fill(tmp_path, TRACES[:12]) as store:
        assert store.count(TRACE_PACKS) == 1
    with _fill(tmp_path, TRACES[12:]) as store:
        assert store.count(TRACE_PACKS) == len(TRACES) // PACK
        _assert_same_as_rows(store, list(range(len(TRACES))))


def test_deleting_unused_traces_rewrites_their_packs_in_the_same_batch(tmp_path: Path) -> None:
    with _fill(tmp_path) as store:
        gone = [0, 5, 6, 7, 9, 40, 44]
        deleted = store.delete_unused(
            UnusedRows([trace_key(n) for n in gone], [], []), References(traces={9})
        )
        assert len(deleted.traces) == len(gone) - 1
        assert store.count(TRACE_PACKS) == len(TRACES) // PACK
        every = list(range(len(TRACES)))
        _assert_same_as_rows(store, every)
        assert store.coded_traces(np.array(every)).found.tolist() == [
            n not in gone or n == 9 for n in every
        ]
        # A deleted trace that comes again is a new number; the old one stays missing.
        store.write(IngestBatch(traces=[TRACES[5]]))
        _assert_same_as_rows(store, [*every, len(TRACES)])


def test_few_traces_of_a_range_are_read_as_single_rows(tmp_path: Path) -> None:
    """Packs are read only where a query wants enough of their traces; both ways agree."""
    with _fill(tmp_path, TRACES, pack=32) as store:
        assert store.count(TRACE_PACKS) == 1
        _assert_same_as_rows(store, [2])
        _assert_same_as_rows(store, [2, 30, 40])


_COUNT_AT = 16
"""Where a pack's offsets start (after its 16-byte header)."""


def _code_past_the_table(value: bytes) -> bytes:
    codes_at = _COUNT_AT + 4 * (PACK + 1)
    return value[:codes_at] + b"\xff\xff" + value[codes_at + 2 :]


def _deleted_with_frames(value: bytes) -> bytes:
    total = int.from_bytes(value[_COUNT_AT + 4 * PACK : _COUNT_AT + 4 * PACK + 4], "little")
    found_at = _COUNT_AT + 4 * (PACK + 1) + 2 * total
    return value[:found_at] + b"\0" + value[found_at + 1 :]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda v: v[:10], "no header"),
        (lambda v: b"XXXX" + v[4:], "unknown header"),
        (lambda v: v[:-1], "bytes where its header"),
        (lambda v: v + b"\0", "bytes where its header"),
        (lambda v: v[:16] + (7).to_bytes(4, "little") + v[20:], "ascend from 0"),
        (_code_past_the_table, "past its frame table"),
        (lambda v: v[:4] + (PACK - 1).to_bytes(4, "little") + v[8:], "holds 7 traces where"),
        (_deleted_with_frames, "deleted trace has frames"),
    ],
)
def test_a_corrupt_pack_is_refused_with_its_numbers(
    damage: Callable[[bytes], bytes], message: str
) -> None:
    value = encode_pack(_stored([*TRACES[:3], None, *TRACES[4:PACK]]))
    with pytest.raises(CorruptPackError, match=f"numbers from 24 is corrupt: .*{message}"):
        decode_pack(24, PACK, damage(value))


def test_a_query_over_a_corrupt_pack_fails_naming_it(tmp_path: Path) -> None:
    with _fill(tmp_path) as store:
        packs = store._tables[TRACE_PACKS.name]
        packs.put(trace_key(PACK), bytes(packs.get(trace_key(PACK)))[:-3])
        with pytest.raises(CorruptPackError, match=f"numbers from {PACK} is corrupt"):
            store.coded_traces(np.arange(len(TRACES)))
