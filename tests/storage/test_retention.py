"""Retention on stores holding synthetic old data, written with the store's own API."""

from __future__ import annotations

import logging
import random
import threading
import time
from pathlib import Path

import pytest

from devfiler.config import data_paths
from devfiler.identity import make_trace
from devfiler.model import EventContext, FrameId, SampleKind
from devfiler.storage.deleting import UnusedRows
from devfiler.storage.retention import RetentionPolicy, apply_retention
from devfiler.storage.retention_job import RetentionJob
from devfiler.storage.store import Store
from devfiler.storage.tables import (
    ALL_TABLES,
    CONTEXTS,
    EVENTS,
    FRAMES,
    SUMMARY_TABLES,
    TRACE_NUMBERS,
    TRACES,
    TableSpec,
)
from tests.analysis.stores import (
    APP,
    LIBC,
    MAIN,
    SECOND,
    WORKER,
    Event,
    batch_of,
    native,
    python,
)

NOW = 1_750_000_000 * SECOND
DAY = 86400 * SECOND
WEEK = RetentionPolicy(max_age_ns=7 * DAY, max_disk_bytes=None)

OLD_LEAF = python("old_handler", "old.py", 3)
"""A frame the agent described, used only by old events: its record must go."""
OLD_NATIVE = native(LIBC, 0x999)
"""A native frame used only by old events."""
SHARED = (native(APP, 0x200), native(APP, 0x100))
OLD_STACK = (OLD_LEAF, OLD_NATIVE, *SHARED)
OLD_CONTEXT = EventContext("old-thread", 9, 0, 900)


def _old_and_new(store: Store) -> None:
    """Ten days ago: the old stack in the old context and the shared stack; an hour ago: shared."""
    old = NOW - 10 * DAY
    store.write(
        batch_of(
            [Event(old + i * SECOND, OLD_STACK, OLD_CONTEXT) for i in range(5)]
            + [Event(old + i * SECOND, SHARED, MAIN) for i in range(5)]
        )
    )
    store.write(
        batch_of(
            [Event(NOW - 3600 * SECOND + i * SECOND, SHARED, MAIN) for i in range(3)]
            + [Event(NOW - 60 * SECOND, SHARED, WORKER, SampleKind.OFF_CPU, 500)]
        )
    )


def _frame_key(frame_id: FrameId) -> bytes:
    return frame_id.to_bytes()


def _keys(store: Store, spec: TableSpec) -> set[bytes]:
    return {key for key, _ in store.rows(spec)}


def _trace_key(store: Store, trace_hash: bytes) -> bytes:
    """The `traces` key (number) of a stored trace."""
    (key,) = [key for key, value in store.rows(TRACES) if value[:16] == trace_hash]
    return key


def _trace_hashes(store: Store) -> set[bytes]:
    """Hashes of the stored traces; the `trace_numbers` table must name the same ones."""
    hashes = {value[:16] for _, value in store.rows(TRACES)}
    assert _keys(store, TRACE_NUMBERS) == hashes
    return hashes


def test_age_bound_deletes_old_events_then_what_only_they_used(store: Store) -> None:
    _old_and_new(store)
    old_trace = make_trace(tuple(f.id for f in OLD_STACK), tuple(f.kind for f in OLD_STACK))
    shared_trace = make_trace(tuple(f.id for f in SHARED), tuple(f.kind for f in SHARED))
    assert len(_keys(store, TRACES)) == 2

    run = apply_retention(store, WEEK, NOW)

    assert run is not None
    assert run.reasons == ("age",)
    assert run.cutoff_ns == NOW - 7 * DAY
    assert (run.events, run.blocks) == (10, 5)
    assert (run.traces, run.frames, run.contexts) == (1, 2, 1)
    left = store.read_events(-(1 << 63), (1 << 63) - 1)
    assert sorted(left.timestamps.tolist()) == [
        NOW - 3600 * SECOND,
        NOW - 3599 * SECOND,
        NOW - 3598 * SECOND,
        NOW - 60 * SECOND,
    ]
    assert _trace_hashes(store) == {shared_trace.hash.to_bytes()}
    assert old_trace.hash.to_bytes() not in _trace_hashes(store)
    assert _keys(store, FRAMES) == {_frame_key(f.id) for f in SHARED}
    contexts = store.contexts(left.context_keys.tolist())
    assert set(contexts.values()) == {MAIN, WORKER}
    assert len(_keys(store, CONTEXTS)) == 2
    # What is left still reads whole.
    assert all(trace is not None for trace in store.traces_by_index(left))


def test_data_deleted_by_retention_is_stored_again_when_it_comes_back(store: Store) -> None:
    """The store forgets what it deleted, so the next request with it writes it anew."""
    _old_and_new(store)
    apply_retention(store, WEEK, NOW)
    store.write(batch_of([Event(NOW, OLD_STACK, OLD_CONTEXT)]))
    events = store.read_events(NOW, NOW + 1)
    (trace,) = store.traces_by_index(events)
    assert trace is not None
    assert trace.frames == tuple(f.id for f in OLD_STACK)
    assert store.frames([OLD_LEAF.id]) == {OLD_LEAF.id: OLD_LEAF}
    assert _frame_key(OLD_NATIVE.id) in _keys(store, FRAMES)
    assert store.contexts(events.context_keys.tolist()) == {
        int(events.context_keys[0]): OLD_CONTEXT
    }


def test_a_context_read_before_retention_deleted_it_is_not_found_after(store: Store) -> None:
    """Decoded contexts are kept between reads: the ones deleted must not be."""
    _old_and_new(store)
    old = store.read_events(NOW - 10 * DAY, NOW - 10 * DAY + 5 * SECOND)
    keys = old.context_keys.tolist()
    assert set(store.contexts(keys).values()) == {OLD_CONTEXT, MAIN}
    apply_retention(store, WEEK, NOW)
    assert set(store.contexts(keys).values()) == {MAIN}


def test_nothing_beyond_the_bounds_deletes_nothing(store: Store) -> None:
    _old_and_new(store)
    assert apply_retention(store, RetentionPolicy(30 * DAY, 1 << 40), NOW) is None
    assert apply_retention(store, RetentionPolicy(None, None), NOW) is None
    assert len(store.read_events(-(1 << 63), (1 << 63) - 1)) == 14
    assert len(_keys(store, TRACES)) == 2


def test_age_pass_waits_for_its_slack(store: Store) -> None:
    """Data just past the bound waits (a tenth of it, at most an hour) so passes stay rare."""
    store.write(batch_of([Event(NOW - DAY - 30 * 60 * SECOND, SHARED, MAIN)]))
    day = RetentionPolicy(max_age_ns=DAY, max_disk_bytes=None)
    assert apply_retention(store, day, NOW) is None
    run = apply_retention(store, day, NOW + 31 * 60 * SECOND)
    assert run is not None
    assert run.events == 1


def test_an_empty_store_needs_no_pass(store: Store) -> None:
    assert apply_retention(store, RetentionPolicy(1, 1), NOW) is None


def _fill_minutes(store: Store, minutes: int, per_second: int) -> None:
    """Hard-to-compress event data: random stacks and weights over `minutes` minutes."""
    rng = random.Random(7)
    start = NOW - minutes * 60 * SECOND
    stacks = [(native(APP, rng.randrange(1 << 40)), *SHARED) for _ in range(400)]
    contexts = [EventContext(f"t{i}", i, 0, 100) for i in range(50)]
    for minute in range(minutes):
        events = [
            Event(
                start + (minute * 60 + second) * SECOND + rng.randrange(SECOND),
                rng.choice(stacks),
                rng.choice(contexts),
                SampleKind.OFF_CPU,
                rng.randrange(1, 1 << 40),
            )
            for second in range(60)
            for _ in range(per_second)
        ]
        store.write(batch_of(events))


def test_disk_bound_deletes_the_oldest_data_until_the_store_fits(store: Store) -> None:
    _fill_minutes(store, minutes=30, per_second=40)
    store.flush()
    for spec in ALL_TABLES:
        store.compact(spec)
    before = store.disk_usage()
    bound = before // 2
    first, last = _time_span(store)

    run = apply_retention(store, RetentionPolicy(None, bound), NOW)

    assert run is not None
    assert run.reasons == ("disk",)
    assert run.disk_before == before
    assert run.disk_after == store.disk_usage()
    assert store.disk_usage() <= bound
    kept_first, kept_last = _time_span(store)
    assert kept_last == last, "the newest data stays"
    assert kept_first >= run.cutoff_ns > first
    # Neither too little nor far too much went: about half the data, within the estimate.
    assert 0.3 < (run.cutoff_ns - first) / (last - first) < 0.9
    assert run.events == 30 * 60 * 40 - len(store.read_events(-(1 << 63), (1 << 63) - 1))


def _time_span(store: Store) -> tuple[int, int]:
    stamps = store.read_times(-(1 << 63), (1 << 63) - 1).timestamps
    return int(stamps.min()), int(stamps.max())


def test_a_write_during_the_scan_keeps_what_it_refers_to(store: Store) -> None:
    """A row found unused is kept when a request refers to it before the deletion."""
    _old_and_new(store)
    old_trace = make_trace(tuple(f.id for f in OLD_STACK), tuple(f.kind for f in OLD_STACK))
    with store.tracking_references() as tracked:
        store.delete_before((NOW - 7 * DAY) // SECOND)
        found_unused = UnusedRows(
            traces=[_trace_key(store, old_trace.hash.to_bytes())],
            frames=[_frame_key(OLD_LEAF.id), _frame_key(OLD_NATIVE.id)],
            contexts=sorted(_keys(store, CONTEXTS)),
        )
        store.write(batch_of([Event(NOW, OLD_STACK, OLD_CONTEXT)]))
        deleted = store.delete_unused(found_unused, tracked)
    assert deleted.traces == [] and deleted.frames == []
    assert len(deleted.contexts) == 2, "MAIN and WORKER, not written since, go"
    events = store.read_events(NOW, NOW + 1)
    assert store.traces_by_index(events)[0] is not None
    assert OLD_LEAF.id in store.frames([OLD_LEAF.id])
    assert store.contexts(events.context_keys.tolist())


def test_events_and_their_summaries_are_the_tables_keyed_by_time() -> None:
    """Retention deletes by key range in every table keyed by time."""
    assert [spec.name for spec in ALL_TABLES if spec.time_key is not None] == [
        EVENTS.name,
        *(spec.name for spec in SUMMARY_TABLES),
    ]


def test_job_runs_passes_in_the_background_and_logs_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="devfiler.storage.retention_job")
    with Store.open(data_paths(tmp_path)) as store:
        _old_and_new(store)
        job = RetentionJob(WEEK, interval_s=0.05, clock=lambda: NOW)
        assert job.status().last is None
        job.start(store)
        try:
            deadline = time.monotonic() + 30
            while job.status().passes == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            # Readers keep working while the job runs.
            assert len(store.read_events(NOW - DAY, NOW + 1)) == 4
        finally:
            job.stop()
        status = job.status()
    assert status.passes == 1, "the data left is within the bounds: no second pass"
    assert status.events_deleted == 10
    assert status.last is not None and status.last.traces == 1
    assert status.error is None
    lines = [r.getMessage() for r in caplog.records]
    assert "retention: keep 7d, at most any size" in lines
    assert any(
        line.startswith("retention: deleted 10 events before 2025-06-08 15:06:40 UTC (age bound)")
        for line in lines
    ), lines


def test_job_stops_while_waiting(store: Store) -> None:
    job = RetentionJob(WEEK, interval_s=3600)
    job.start(store)
    stopper = threading.Thread(target=job.stop)
    stopper.start()
    stopper.join(timeout=10)
    assert not stopper.is_alive()
