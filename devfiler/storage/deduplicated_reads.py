"""Reading the deduplicated tables: traces by number, frame records, contexts, executables.

Events name traces by number and contexts by key (storage/blocks.py); the
readers turn the distinct numbers and keys of a selection into what they
name with one multi-get per table. Traces read through their packs are in
storage/trace_pack_table.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

import numpy as np
import numpy.typing as npt

from devfiler.model import EventContext, Executable, Frame, FrameId, Trace
from devfiler.storage import records
from devfiler.storage.events import EventColumns
from devfiler.storage.handles import Handles
from devfiler.storage.keys import U64, trace_key
from devfiler.storage.tables import CONTEXTS, EXECUTABLES, FRAMES, TRACES


class DeduplicatedReads(Handles):
    """What trace numbers, frame IDs and context keys name."""

    def traces_by_index(self, columns: EventColumns) -> list[Trace | None]:
        """The trace of every distinct number in `columns`, in table order (None if missing)."""
        values = self._get_many(TRACES, [trace_key(n) for n in columns.trace_numbers.tolist()])
        return [records.decode_trace(raw) if raw is not None else None for raw in values]

    def trace_frames(self, numbers: npt.NDArray[np.integer]) -> records.TraceFrames:
        """The stored frame records of traces by number, in their order, as one array."""
        keys = [trace_key(n) for n in numbers.tolist()]
        return records.decode_trace_frames(self._get_many(TRACES, keys))

    def trace_hashes(self, numbers: npt.NDArray[np.integer]) -> list[bytes | None]:
        """The 16-byte hash of each numbered trace (None if missing): a trace's identity
        across stores, where numbers depend on the order traces arrived in."""
        values = self._get_many(TRACES, [trace_key(n) for n in numbers.tolist()])
        return [raw[: records.TRACE_HASH_BYTES] if raw else None for raw in values]

    def frames(self, ids: Iterable[FrameId]) -> dict[FrameId, Frame]:
        """Agent-provided frame records by ID; frames without one are left out."""
        wanted = list(dict.fromkeys(ids))
        return {
            frame_id: record
            for frame_id, record in zip(wanted, self.frame_records(wanted), strict=True)
            if record is not None
        }

    def frame_records(self, ids: Sequence[FrameId]) -> list[Frame | None]:
        """The agent-provided record of each frame, None where there is none.

        Native frames devfiler symbolizes are stored as keys with an empty
        value (they count as frames), so an empty value reads as "no record".
        """
        values = self._get_many(FRAMES, [f.to_bytes() for f in ids])
        described = [i for i, raw in enumerate(values) if raw]
        found: list[Frame | None] = [None] * len(values)
        decoded = records.decode_frames(
            [ids[i] for i in described], [cast(bytes, values[i]) for i in described]
        )
        for i, record in zip(described, decoded, strict=True):
            found[i] = record
        return found

    def contexts(self, keys: Iterable[int]) -> dict[int, EventContext]:
        wanted = [int(k) for k in keys]
        values = self._get_many(CONTEXTS, [U64.pack(k) for k in wanted])
        return {
            key: records.decode_context(raw)
            for key, raw in zip(wanted, values, strict=True)
            if raw is not None
        }

    def executables(self) -> list[Executable]:
        table = self._tables[EXECUTABLES.name]
        return [records.decode_executable(cast(bytes, key), raw) for key, raw in table.items()]
