"""The columnar read path: times without tables, raw trace records, distinct hashes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from devfiler.config import data_paths
from devfiler.identity import FRAME_RECORD, make_trace
from devfiler.model import EventContext, FileId, FrameId, FrameKind, SampleKind
from devfiler.storage.batch import EventRows, IngestBatch
from devfiler.storage.blocks import HASH_DTYPE
from devfiler.storage.events import distinct_hashes
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
        missing = np.frombuffer(b"\x07" * 16, dtype=HASH_DTYPE)
        asked = np.frombuffer(
            LONG.hash.to_bytes() + missing.tobytes() + SHORT.hash.to_bytes(), dtype=HASH_DTYPE
        )
        stored = store.trace_frames(asked)
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
    with pytest.raises(ValueError, match="26 bytes is not a whole number of frames"):
        decode_trace_frames([b"\0" * FRAME_RECORD.itemsize, b"\0" * 26])
    assert len(decode_trace_frames([]).records) == 0


def _hashes(*items: bytes) -> np.ndarray:  # type: ignore[type-arg]
    return np.frombuffer(b"".join(items), dtype=HASH_DTYPE)


def test_distinct_hashes_match_numpy_unique() -> None:
    rng = np.random.default_rng(3)
    pool = rng.integers(0, 256, (50, 16), dtype=np.uint8).view(HASH_DTYPE).reshape(-1)
    table = pool[rng.integers(0, 50, 400)]
    hashes, inverse = distinct_hashes(table)
    expected, expected_inverse = np.unique(table, return_inverse=True)
    assert hashes.tobytes() == expected.tobytes()
    assert inverse.tolist() == expected_inverse.reshape(-1).tolist()


def test_distinct_hashes_sharing_their_first_eight_bytes_stay_apart() -> None:
    a, b, c = b"\1" * 8 + b"\2" * 8, b"\1" * 8 + b"\0" * 8, b"\0" * 16
    hashes, inverse = distinct_hashes(_hashes(a, b, c, a, b))
    assert [bytes(h) for h in hashes] == [c, b, a]
    assert inverse.tolist() == [2, 1, 0, 2, 1]
