"""The `trace_packs` table: packing the ranges of trace numbers writes complete, packing a
store written before packs over its next requests, rewriting packs whose traces retention
deletes, and reading traces through the packs. The pack format is storage/trace_packs.py.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import numpy.typing as npt
from rocksdict import WriteBatch

from devfiler.storage import records, trace_packs
from devfiler.storage.handles import Handles
from devfiler.storage.keys import U32, decode_trace_key, trace_key
from devfiler.storage.tables import META, TRACE_PACKS, TRACES

_PACK_SIZE_KEY = b"trace pack size"


class TracePackTable(Handles):
    """Packs of complete ranges of trace numbers, kept in step with the `traces` rows."""

    _pack_size: int
    _packed: set[int] | None
    """First numbers of the packs stored (the writer reads them when it first packs)."""
    _pack_cursor: int
    """No range below this one lacks a pack."""

    def _start_packs(self) -> None:
        raw = self._tables[META.name].get(_PACK_SIZE_KEY)
        self._pack_size = U32.unpack(raw)[0] if raw and TRACE_PACKS.name in self._tables else 0
        self._packed = None
        self._pack_cursor = 0

    def _keep_pack_size(self, size: int) -> None:
        """A store that has no pack size yet (new, or written before packs) takes `size`;
        one that has keeps its own."""
        if not self._pack_size:
            self._tables[META.name].put(_PACK_SIZE_KEY, U32.pack(size))
            self._pack_size = size

    def _pack_ranges(self, before: int, after: int) -> None:
        """Write the packs of the ranges of trace numbers a write completed (it numbered
        traces from `before` to `after`), and of the lowest older range that lacks one.

        A range completes every few thousand new traces; packing it costs
        about 40 ms, reading its rows back, so a restart mid-range needs
        nothing kept. A store written before packs existed is packed over its
        next requests, one older range each: no thread of its own, and under
        the write lock, where the unused-trace collection cannot change a
        range meanwhile. Until then its queries read single rows.
        """
        size = self._pack_size
        if not size:
            return
        if self._packed is None:
            self._packed = {
                decode_trace_key(cast(bytes, key))
                for key in self._tables[TRACE_PACKS.name].keys()  # noqa: SIM118
            }
        while self._pack_cursor * size in self._packed:
            self._pack_cursor += 1
        completed = range(before // size * size, after // size * size, size)
        older = self._pack_cursor * size
        for first in [older, *completed] if older < completed.start else completed:
            if first in self._packed:
                continue
            stored = self._get_many(TRACES, [trace_key(n) for n in range(first, first + size)])
            pack = trace_packs.encode_pack(records.decode_trace_frames(stored))
            self._tables[TRACE_PACKS.name].put(trace_key(first), pack)
            self._packed.add(first)

    def _unpack(self, wb: WriteBatch, numbers: npt.NDArray[np.int64]) -> None:
        """Rewrite the packs holding deleted trace numbers without them, in the deleting batch:
        a pack never names a trace the `traces` table lacks."""
        if not self._pack_size or not len(numbers):
            return
        firsts = np.unique(numbers // self._pack_size) * self._pack_size
        keys = [trace_key(first) for first in firsts.tolist()]
        for first, value in zip(firsts.tolist(), self._get_many(TRACE_PACKS, keys), strict=True):
            if value is not None:
                inside = numbers[(numbers >= first) & (numbers < first + self._pack_size)]
                pack = trace_packs.decode_pack(first, self._pack_size, value)
                wb.put(
                    trace_key(first), trace_packs.without(pack, inside), self._cf[TRACE_PACKS.name]
                )

    def coded_traces(self, numbers: npt.NDArray[np.integer]) -> trace_packs.CodedTraces:
        """The stored frames of traces by number, in their order: from the packs of ranges
        that hold enough of them (trace_packs.MIN_SHARE), from single rows for the rest."""
        wanted = numbers.astype(np.int64)
        size = self._pack_size
        order = np.argsort(wanted, kind="stable")
        ranked = wanted[order]
        packs: list[tuple[npt.NDArray[np.intp], trace_packs.TracePack]] = []
        by_pack = np.zeros(len(wanted), dtype=bool)
        if size and len(wanted):
            ranges, counts = np.unique(ranked // size, return_counts=True)
            firsts = (ranges[counts * trace_packs.MIN_SHARE >= size] * size).tolist()
            values = self._get_many(TRACE_PACKS, [trace_key(first) for first in firsts])
            for first, value in zip(firsts, values, strict=True):
                if value is None:
                    continue
                low, high = np.searchsorted(ranked, [first, first + size]).tolist()
                packs.append(
                    (order[low:high], trace_packs.decode_pack(first, self._pack_size, value))
                )
                by_pack[order[low:high]] = True
        single = np.flatnonzero(~by_pack)
        rows = self._get_many(TRACES, [trace_key(n) for n in wanted[single].tolist()])
        stored = (single, records.decode_trace_frames(rows))
        return trace_packs.join_traces(len(wanted), wanted, packs, stored)
