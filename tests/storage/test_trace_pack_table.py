"""The trace packs table: written as ranges of trace numbers complete, read in place of
single rows, rewritten when the unused-trace collection deletes traces."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from devfiler.config import data_paths
from devfiler.model import Trace
from devfiler.storage.batch import IngestBatch
from devfiler.storage.deleting import UnusedRows
from devfiler.storage.keys import trace_key
from devfiler.storage.store import Store
from devfiler.storage.tables import TRACE_PACKS
from devfiler.storage.trace_packs import CorruptPackError
from devfiler.storage.writing import References
from tests.storage.pack_traces import PACK, TRACES


def _fill(path: Path, traces: list[Trace] = TRACES, *, pack: int = PACK) -> Store:
    """A store with `traces` numbered in order, written a few per request."""
    store = Store.open(data_paths(path), trace_pack_size=pack)
    for low in range(0, len(traces), 3):
        store.write(IngestBatch(traces=traces[low : low + 3]))
    return store


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


def test_a_query_over_a_corrupt_pack_fails_naming_it(tmp_path: Path) -> None:
    with _fill(tmp_path) as store:
        packs = store._tables[TRACE_PACKS.name]
        packs.put(trace_key(PACK), bytes(packs.get(trace_key(PACK)))[:-3])
        with pytest.raises(CorruptPackError, match=f"numbers from {PACK} is corrupt"):
            store.coded_traces(np.arange(len(TRACES)))
