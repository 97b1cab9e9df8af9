"""Number equal stored frame records: by frame ID (for labels) or by whole record (for packs).

Readers group a query's frame records into distinct frames before labeling
them; the writer groups a trace pack's records into the pack's own frame
table (storage/trace_packs.py). Both group one mixed 64-bit word per record
and then check the words against each group's first record, so the answer
is exact; should two records ever share a word, an exact sort runs instead.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from devfiler.distinct import group_keys
from devfiler.identity import FRAME_ID_BYTES, FRAME_RECORD

_FRAME_WORDS = np.dtype(
    {
        "names": ["high", "low", "addr", "kind"],
        "formats": [">u8", ">u8", ">u8", "u1"],
        "offsets": [0, 8, 16, 24],
        "itemsize": FRAME_RECORD.itemsize,
    }
)
"""A stored frame record read as its file ID halves, address and kind."""
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))


def distinct_records(
    records: npt.NDArray[np.void], *, with_kind: bool = False
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Number the distinct frame IDs of `records` (whole records `with_kind`) in order of
    first appearance.

    Returns (number of every record, record index of each number's first appearance).
    """
    words = records.view(_FRAME_WORDS)
    names = ("high", "low", "addr", "kind") if with_kind else ("high", "low", "addr")
    columns = [words[name].astype(np.uint64) for name in names]
    mixed = columns[0]
    with np.errstate(over="ignore"):
        for column, mix in zip(columns[1:], _MIX, strict=False):
            mixed = mixed ^ (column * mix)
    number, first = group_keys(mixed)
    if all(np.array_equal(column[first][number], column) for column in columns):
        return number, first
    width = FRAME_RECORD.itemsize if with_kind else FRAME_ID_BYTES
    keys = np.empty((len(records), width), dtype=np.uint8)
    keys[:] = records.view(np.uint8).reshape(-1, FRAME_RECORD.itemsize)[:, :width]
    _, first, inverse = np.unique(
        keys.view(f"V{width}").reshape(-1), return_index=True, return_inverse=True
    )
    order = np.argsort(first, kind="stable")
    renumber = np.empty(len(first), dtype=np.int64)
    renumber[order] = np.arange(len(first), dtype=np.int64)
    return renumber[inverse.reshape(-1)], first[order]
