"""Summaries of settled buckets: reads through them equal reads of the event blocks."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from devfiler.config import data_paths
from devfiler.storage.cells import FlameCells
from devfiler.storage.events import EventWeights, SecondSums
from devfiler.storage.store import Store
from devfiler.storage.summary_format import (
    CorruptSummaryError,
    decode_cells,
    decode_rows,
    encode_cells,
    summary_key,
)
from devfiler.storage.summary_job import SETTLE_S, SummaryJob, summarize
from devfiler.storage.summary_state import FINEST, LEVELS
from devfiler.storage.tables import SUMMARY_INDEX, SUMMARY_ROWS
from tests.analysis.stores import SECOND, Event, batch_of
from tests.analysis.summarized_stores import (
    CONTEXTS,
    DAY0,
    DAY_S,
    KINDS,
    RANGES,
    STACKS,
    UNBOUNDED,
    filled_store,
)


@pytest.fixture
def filled(tmp_path: Path) -> Store:
    return filled_store(tmp_path)


def _summarized(store: Store) -> None:
    summarize(store, time.time_ns())


def _same_weights(a: EventWeights, b: EventWeights) -> None:
    for name in EventWeights.__slots__:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def _per_second(sums: SecondSums) -> dict[int, tuple[int, int]]:
    """What whole-second bins see: count and weight per second."""
    seconds = np.floor_divide(sums.timestamps, SECOND)
    table: dict[int, tuple[int, int]] = {}
    for second, count, weight in zip(
        seconds.tolist(), sums.counts.tolist(), sums.weights.tolist(), strict=True
    ):
        old = table.get(second, (0, 0))
        table[second] = (old[0] + count, old[1] + weight)
    return table


def _per_cell(cells: FlameCells) -> dict[tuple[int, int], tuple[int, int]]:
    table: dict[tuple[int, int], tuple[int, int]] = {}
    for key, count, weight in zip(
        zip(cells.cells.tolist(), cells.kinds.tolist(), strict=True),
        cells.counts.tolist(),
        cells.weights.tolist(),
        strict=True,
    ):
        old = table.get(key, (0, 0))
        table[key] = (old[0] + count, old[1] + weight)
    return table


def _same_reads(store: Store, ranges: list[tuple[int, int]]) -> None:
    for start, end in ranges:
        for kinds in KINDS:
            assert _per_cell(store.read_cells(start, end, kinds)) == _per_cell(
                store.read_cells(start, end, kinds, summaries=False)
            )
            _same_weights(
                store.read_weights(start, end, kinds),
                store.read_weights(start, end, kinds, summaries=False),
            )
            planned = store.read_second_sums(start, end, kinds)
            plain = store.read_second_sums(start, end, kinds, summaries=False)
            assert _per_second(planned) == _per_second(plain)
            if len(plain.timestamps):
                assert planned.timestamps.min() == plain.timestamps.min()
                assert planned.timestamps.max() == plain.timestamps.max()


def test_reads_through_summaries_equal_reads_of_the_blocks(filled: Store) -> None:
    _summarized(filled)
    present = filled.summary_state.present
    assert DAY0 in present[DAY_S]
    assert all(present[length] for length in LEVELS)
    _same_reads(filled, RANGES)
    weights = filled.read_weights(*UNBOUNDED)
    assert int(weights.counts.sum()) == 8000


def test_the_plan_reads_whole_buckets_only(filled: Store) -> None:
    """A range that holds one day reads one day's summary, whatever lies around it."""
    _summarized(filled)
    day = filled.read_weights(DAY0 * SECOND, (DAY0 + DAY_S) * SECOND)
    (raw,) = filled.summary_values(SUMMARY_ROWS, [(DAY0, DAY_S)])
    assert raw is not None
    _same_weights(day, decode_rows(raw))


def test_nothing_unsettled_is_summarized(filled: Store) -> None:
    summarize(filled, (DAY0 + 3600 + SETTLE_S) * SECOND)
    present = filled.summary_state.present
    assert max(present[FINEST]) + FINEST <= DAY0 + 3600
    assert DAY0 not in present[DAY_S]
    assert DAY0 - DAY_S in present[DAY_S]
    _same_reads(filled, RANGES[:3])


def test_a_late_write_drops_every_summary_that_holds_it(filled: Store) -> None:
    _summarized(filled)
    late = DAY0 + 4000
    filled.write(batch_of([Event(late * SECOND + 5, STACKS[0], CONTEXTS[0])]))
    index = {key for key, _ in filled.rows(SUMMARY_INDEX)}
    for length in LEVELS:
        assert summary_key(late - late % length, length) not in index
    assert summary_key(late - late % FINEST + FINEST, FINEST) in index
    _same_reads(filled, RANGES[:4])
    _summarized(filled)
    assert DAY0 in filled.summary_state.present[DAY_S]
    _same_reads(filled, RANGES[:4])


def test_a_write_during_a_build_makes_it_refused(filled: Store) -> None:
    start = DAY0 + 1200
    with filled.building_summary(start, start + FINEST):
        filled.write(batch_of([Event((start + 30) * SECOND, STACKS[1], CONTEXTS[1])]))
        assert not filled.put_summary(start, FINEST, {})
    with filled.building_summary(start, start + FINEST):
        filled.write(batch_of([Event((start + FINEST + 30) * SECOND, STACKS[1], CONTEXTS[1])]))
        assert filled.put_summary(start, FINEST, {})


def test_retention_removes_the_summaries_of_deleted_time(filled: Store) -> None:
    _summarized(filled)
    cut = DAY0 + 2 * 3600 + 1234
    filled.delete_before(cut)
    assert all(start >= cut for start, _ in filled.summarized(UNBOUNDED[0] // SECOND, cut + 1))
    assert all(start >= cut for starts in filled.summary_state.present.values() for start in starts)
    _same_reads(filled, RANGES)
    _summarized(filled)
    assert all(start >= cut for start, _ in filled.summarized(UNBOUNDED[0] // SECOND, cut + 1))
    assert filled.summary_state.present[3600]
    _same_reads(filled, RANGES)


def test_deleting_every_event_deletes_the_summaries(filled: Store) -> None:
    _summarized(filled)
    filled.delete_events()
    assert not list(filled.rows(SUMMARY_INDEX))
    assert not len(filled.read_weights(*UNBOUNDED))
    filled.write(batch_of([Event(DAY0 * SECOND, STACKS[0], CONTEXTS[0])]))
    _summarized(filled)
    _same_reads(filled, RANGES[:2])


def test_a_reader_beside_the_writer_uses_its_summaries(filled: Store) -> None:
    _summarized(filled)
    filled.flush()
    with Store.open_reader(filled.paths) as reader:
        assert not reader.writable
        assert reader.summarized(DAY0, DAY0 + 1) == filled.summarized(DAY0, DAY0 + 1)
        for start, end in RANGES[:3]:
            _same_weights(reader.read_weights(start, end), filled.read_weights(start, end))


def test_summaries_survive_reopening(tmp_path: Path, filled: Store) -> None:
    _summarized(filled)
    present = {length: set(starts) for length, starts in filled.summary_state.present.items()}
    filled.close()
    with Store.open(data_paths(tmp_path)) as store:
        assert store.summary_state.present == present
        late = DAY0 + 50
        store.write(batch_of([Event(late * SECOND, STACKS[2], CONTEXTS[2])]))
        assert DAY0 not in store.summary_state.present[DAY_S]
        _same_reads(store, RANGES[:2])


def test_a_corrupt_summary_is_a_clear_error(filled: Store) -> None:
    _summarized(filled)
    (raw,) = filled.summary_values(SUMMARY_ROWS, [(DAY0, DAY_S)])
    assert raw is not None
    with pytest.raises(CorruptSummaryError, match="header says"):
        decode_rows(raw[:-3])
    with pytest.raises(CorruptSummaryError, match="version"):
        decode_rows(b"\x09" + raw[1:])


def test_cells_keep_wide_values() -> None:
    """Long buckets, huge counts and weights unlike the counts take wider columns."""
    start = DAY0
    cells = FlameCells(
        np.array([start * 100, start * 100 + 70_000, start * 100 + 5], np.int64),
        np.array([1, 1, 2], np.uint8),
        np.array([1, 1 << 33, 2], np.int64),
        np.array([7, 1 << 40, 2], np.int64),
    )
    for kept in (cells, cells.select(np.array([False, False, True]))):
        back = decode_cells(encode_cells(start, kept))
        for name in FlameCells.__slots__:
            assert np.array_equal(getattr(back, name), getattr(kept, name)), name


def test_job_summarizes_in_the_background_and_reports(filled: Store) -> None:
    job = SummaryJob(interval_s=3600)
    job.start(filled)
    deadline = time.monotonic() + 60
    while job.status().passes == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    job.stop()
    status = job.status()
    assert status.passes == 1
    assert status.buckets[DAY_S] >= 1
    assert status.lines()[0].startswith(f"Summarized buckets: {status.buckets[DAY_S]} of a day, ")
