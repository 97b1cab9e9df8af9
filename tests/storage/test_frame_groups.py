"""Numbering distinct frames of stored frame records."""

from __future__ import annotations

import numpy as np

from devfiler.identity import FRAME_RECORD
from devfiler.storage.frame_groups import distinct_records

_MIX_ADDR = 0xC2B2AE3D27D4EB4F
_MASK = (1 << 64) - 1


def _records(*frames: tuple[int, int, int, int]) -> np.ndarray:  # type: ignore[type-arg]
    """(file high word, file low word, address, kind) per record."""
    raw = b"".join(
        high.to_bytes(8, "big") + low.to_bytes(8, "big") + addr.to_bytes(8, "big") + bytes([kind])
        for high, low, addr, kind in frames
    )
    return np.frombuffer(raw, dtype=FRAME_RECORD)


def test_frames_are_numbered_by_first_appearance() -> None:
    a, b, c = (0, 1, 0x10, 1), (0, 1, 0x20, 1), (5, 0, 0x10, 2)
    numbers, first = distinct_records(_records(b, a, b, c, a, (0, 1, 0x20, 4)))
    assert numbers.tolist() == [0, 1, 0, 2, 1, 0]
    assert first.tolist() == [0, 1, 3]


def test_frames_sharing_the_mixed_word_stay_apart() -> None:
    # high ^ addr * M is the same for both: only the exact comparison tells them apart.
    high = 0x1234
    other_high = high ^ (0x10 * _MIX_ADDR & _MASK) ^ (0x20 * _MIX_ADDR & _MASK)
    first_frame, second_frame = (high, 0, 0x10, 1), (other_high, 0, 0x20, 1)
    numbers, first = distinct_records(_records(first_frame, second_frame, first_frame))
    assert numbers.tolist() == [0, 1, 0]
    assert first.tolist() == [0, 1]
