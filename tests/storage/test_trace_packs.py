"""Trace packs: a pack keeps its traces whole and in order, and is refused when corrupt."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from devfiler.identity import make_trace
from devfiler.model import FileId, FrameId, FrameKind, Trace
from devfiler.storage.records import TraceFrames, decode_trace_frames, encode_trace
from devfiler.storage.trace_packs import CorruptPackError, decode_pack, encode_pack
from tests.storage.pack_traces import PACK, TRACES


def _stored(traces: list[Trace | None]) -> TraceFrames:
    """Traces as the store reads their rows (None: a deleted row)."""
    return decode_trace_frames(
        [None if t is None else t.hash.to_bytes() + encode_trace(t) for t in traces]
    )


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
