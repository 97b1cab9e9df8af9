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

CONTEXTS_KEPT = 1 << 16
"""Decoded contexts kept: a host's threads and processes, many times over."""


class DeduplicatedReads(Handles):
    """What trace numbers, frame IDs and context keys name."""

    _decoded_contexts: dict[int, EventContext]

    def _start_contexts(self) -> None:
        self._decoded_contexts = {}

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
        """The contexts of these keys; keys without one are left out.

        A key is the hash of its context's record, so a decoded context
        stays true: they are kept, as every view of a range following the
        present asks again for the same few hundred (decoding them was a
        fifth of a refresh).
        """
        kept = self._decoded_contexts
        found: dict[int, EventContext] = {}
        missing: list[int] = []
        for key in map(int, keys):
            context = kept.get(key)
            if context is None:
                missing.append(key)
            else:
                found[key] = context
        if not missing:
            return found
        values = self._get_many(CONTEXTS, [U64.pack(k) for k in missing])
        if len(kept) + len(missing) > CONTEXTS_KEPT:
            kept.clear()
        for key, raw in zip(missing, values, strict=True):
            if raw is not None:
                found[key] = kept[key] = records.decode_context(raw)
        return found

    def _forget_contexts(self) -> None:
        """Contexts were deleted: a key asked for again must find none."""
        self._decoded_contexts.clear()

    def executables(self) -> list[Executable]:
        table = self._tables[EXECUTABLES.name]
        return [records.decode_executable(cast(bytes, key), raw) for key, raw in table.items()]
