"""The columnar read path: times without tables, raw trace records, trace numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from devfiler.config import data_paths
from devfiler.identity import FRAME_RECORD, make_trace
from devfiler.model import EventContext, FileId, FrameId, FrameKind, SampleKind
from devfiler.storage.batch import EventRows, IngestBatch
from devfiler.storage.records import decode_trace_frames
from devfiler.storage.store import Store

SECOND = 1_000_000_000
LEAF = FrameId(FileId(0xA1), 0x10)
CALLER = FrameId(FileId(0xB2 << 64 | 5), 0x2000)
SHORT = make_trace((LEAF,), (FrameKind.NATIVE,))
LONG = make_trace((LEAF, CALLER), (FrameKind.NATIVE, FrameKind.KERNEL))


def _write(store: Store, kind: SampleKind, stamps: list[int], weights: list[int]) -> None:
    n = len(stamps)
    store.write(
        IngestBatch(
            traces=[SHORT, LONG],
            contexts=[EventContext("main", 1, 0, 100)],
            events=[
                EventRows(
                    kind,
                    np.array(stamps, dtype=np.int64),
                    (np.arange(n) % 2).astype(np.uint32),
                    np.zeros(n, dtype=np.uint32),
                    np.array(weights, dtype=np.int64),
                )
            ],
        )
    )


def test_read_times_agrees_with_read_events(tmp_path: Path) -> None:
    with Store.open(data_paths(tmp_path)) as store:
        _write(store, SampleKind.ON_CPU, [-SECOND - 1, 5, SECOND + 7, 3 * SECOND], [1, 1, 1, 1])
        _write(store, SampleKind.OFF_CPU, [6, 2 * SECOND - 1], [400, 9])
        for start, end, kinds in [
            (-(1 << 63), (1 << 63) - 1, None),
            (0, 2 * SECOND, None),
            (6, SECOND + 8, {SampleKind.OFF_CPU}),
            (10, 11, None),
        ]:
            times = store.read_times(start, end, kinds)
            events = store.read_events(start, end, kinds)
            assert times.timestamps.tolist() == events.timestamps.tolist()
            assert times.kinds.tolist() == events.kinds.tolist()
            assert times.weights.tolist() == events.weights.tolist()
        off = store.read_times(0, 2 * SECOND, {SampleKind.OFF_CPU})
        assert sorted(zip(off.timestamps.tolist(), off.weights.tolist(), strict=True)) == [
            (6, 400),
            (2 * SECOND - 1, 9),
        ]
        assert off.kinds.tolist() == [SampleKind.OFF_CPU] * 2
        assert len(store.read_times(10, 11)) == 0


def test_trace_frames_returns_stored_records_in_the_order_asked(tmp_path: Path) -> None:
    with Store.open(data_paths(tmp_path)) as store:
        _write(store, SampleKind.ON_CPU, [1, 2], [1, 1])
        # The request's traces were numbered in their order: SHORT 0, LONG 1.
        stored = store.trace_frames(np.array([1, 7, 0]))
    assert len(stored) == 3
    assert stored.offsets.tolist() == [0, 2, 2, 3]
    assert stored.found.tolist() == [True, False, True]
    assert [bytes(f) for f in stored.records["file"]] == [
        LEAF.file_id.to_bytes(),
        CALLER.file_id.to_bytes(),
        LEAF.file_id.to_bytes(),
    ]
    assert stored.records["addr"].tolist() == [0x10, 0x2000, 0x10]
    assert stored.records["kind"].tolist() == [FrameKind.NATIVE, FrameKind.KERNEL, FrameKind.NATIVE]


def test_trace_frames_rejects_a_partial_record() -> None:
    with pytest.raises(ValueError, match="42 bytes is not a hash and whole frames"):
        decode_trace_frames([b"\0" * (16 + FRAME_RECORD.itemsize), b"\0" * 42])
    with pytest.raises(ValueError, match="5 bytes is not a hash and whole frames"):
        decode_trace_frames([b"\0" * 5])
    assert len(decode_trace_frames([]).records) == 0


def test_traces_keep_their_numbers_across_requests_and_reopening(tmp_path: Path) -> None:
    paths = data_paths(tmp_path)
    with Store.open(paths) as store:
        _write(store, SampleKind.ON_CPU, [1, 2], [1, 1])
        first = store.read_events(0, SECOND).trace_numbers.tolist()
    third = make_trace((CALLER,), (FrameKind.KERNEL,))
    with Store.open(paths) as store:
        store.write(
            IngestBatch(
                traces=[third, LONG],
                contexts=[EventContext("main", 1, 0, 100)],
                events=[
                    EventRows(
                        SampleKind.ON_CPU,
                        np.array([SECOND, SECOND + 1], dtype=np.int64),
                        np.array([0, 1], dtype=np.uint32),
                        np.zeros(2, dtype=np.uint32),
                        np.ones(2, dtype=np.int64),
                    )
                ],
            )
        )
        later = store.read_events(SECOND, 2 * SECOND)
        hashes = store.trace_hashes(later.trace_numbers)
    assert first == [0, 1]
    assert later.trace_numbers.tolist() == [1, 2]
    assert hashes == [LONG.hash.to_bytes(), third.hash.to_bytes()]


def test_weights_are_the_events_summed_per_trace_context_and_kind(tmp_path: Path) -> None:
    """Summing a chunk of blocks at a time, and the sums again, loses nothing."""
    rng = np.random.default_rng(8)
    with Store.open(data_paths(tmp_path)) as store:
        for request in range(30):
            stamps = np.sort(rng.integers(0, 40 * SECOND, 50)) + request * SECOND
            kind = SampleKind.OFF_CPU if request % 3 else SampleKind.ON_CPU
            _write(store, kind, stamps.tolist(), rng.integers(1, 1000, 50).tolist())
        for start, end in [
            (-(1 << 63), (1 << 63) - 1),
            *(sorted(rng.integers(0, 70 * SECOND, 2)) for _ in range(10)),
        ]:
            events = store.read_events(int(start), int(end))
            expected: dict[tuple[int, int, int], list[int]] = {}
            for ts, kind, weight, trace, context in zip(
                events.timestamps.tolist(),
                events.kinds.tolist(),
                events.weights.tolist(),
                events.trace_numbers[events.trace_index].tolist(),
                events.context_keys[events.context_index].tolist(),
                strict=True,
            ):
                row = expected.setdefault((trace, context, kind), [0, 0, ts, ts])
                row[0] += 1
                row[1] += weight
                row[2], row[3] = min(row[2], ts), max(row[3], ts)
            for chunk_blocks in (1, 2, 1024):
                summed = store.read_weights(int(start), int(end), chunk_blocks=chunk_blocks)
                got = {
                    (trace, context, kind): [count, weight, first, last]
                    for trace, context, kind, count, weight, first, last in zip(
                        summed.trace_numbers[summed.trace_index].tolist(),
                        summed.context_keys[summed.context_index].tolist(),
                        summed.kinds.tolist(),
                        summed.counts.tolist(),
                        summed.weights.tolist(),
                        summed.first_ns.tolist(),
                        summed.last_ns.tolist(),
                        strict=True,
                    )
                }
                assert len(got) == len(summed)
                assert got == expected
