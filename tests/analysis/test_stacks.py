"""Stacks read from trace packs are those read from single trace rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from devfiler.analysis.labels import SymbolLookup
from devfiler.analysis.stacks import StackTable, gather, load_stacks
from devfiler.config import data_paths
from devfiler.model import FileId, FrameKind, SampleKind, SourceLine
from devfiler.storage.retention import RetentionPolicy, apply_retention
from devfiler.storage.store import Store
from devfiler.storage.tables import TRACE_PACKS, TRACES
from tests.analysis.loadgen_store import START_NS, loadgen_store
from tests.analysis.stores import (
    MAIN,
    S1,
    SECOND,
    SHAPED_EVENTS,
    T0,
    WORK_SYMBOLS,
    WORKER,
    DictSymbols,
    Event,
    batch_of,
    python,
)

NEVER = 1 << 31
"""A pack size no store reaches: the plain store has no packs."""
RANGES = [
    (START_NS, START_NS + 10 * SECOND, None),
    (START_NS + SECOND // 3, START_NS + 7 * SECOND + 12_345, None),
    (START_NS + 2 * SECOND + 5, START_NS + 2 * SECOND + SECOND // 50, None),
    (START_NS, START_NS + 10 * SECOND, {SampleKind.OFF_CPU}),
    (START_NS + 4 * SECOND, START_NS + 4 * SECOND, None),
]
"""Whole, ends inside seconds, a sliver holding a few traces (single rows), one kind,
empty."""


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """The same requests written to a store with small packs and to one without."""
    with (
        loadgen_store(tmp_path / "packed", trace_pack_size=64) as packed,
        loadgen_store(tmp_path / "plain", trace_pack_size=NEVER) as plain,
    ):
        assert packed.count(TRACE_PACKS) > 10
        assert plain.count(TRACE_PACKS) == 0
        yield packed, plain


def _symbols(store: Store) -> SymbolLookup:
    """Symbols for most native frames of the store, every third an inline chain."""
    # Numbers are dense until retention deletes some: twice the count covers them all.
    stored = store.trace_frames(np.arange(2 * store.count(TRACES)))
    native = stored.records[stored.records["kind"] == int(FrameKind.NATIVE)]
    table: dict[tuple[FileId, int], tuple[SourceLine, ...]] = {}
    for i, (file, address) in enumerate(zip(native["file"], native["addr"].tolist(), strict=True)):
        line = SourceLine(f"function_{address % 97}", f"file_{i % 5}.c", address % 1000)
        inlined = SourceLine(f"inlined_{address % 13}", "inline.h", 7)
        chain = (line, inlined) if i % 3 == 0 else (line,)
        if i % 7:
            table[FileId.from_bytes(bytes(file)), address] = chain
    return DictSymbols(table)


def _assert_same(left: StackTable, right: StackTable) -> None:
    assert left.frames == right.frames
    assert left.offsets.tolist() == right.offsets.tolist()
    assert left.codes.tolist() == right.codes.tolist()


def _assert_stacks_agree(packed: Store, plain: Store) -> None:
    symbols = _symbols(plain)
    for start, end, kinds in RANGES:
        for inline in (False, True):
            for lookup in (None, symbols):
                _assert_same(
                    load_stacks(
                        packed, packed.read_weights(start, end, kinds), lookup, inline=inline
                    ),
                    load_stacks(
                        plain, plain.read_weights(start, end, kinds), lookup, inline=inline
                    ),
                )


def test_packed_and_single_row_stacks_are_the_same(stores: tuple[Store, Store]) -> None:
    _assert_stacks_agree(*stores)


def test_they_stay_the_same_after_retention_deletes_traces_in_packed_ranges(
    stores: tuple[Store, Store],
) -> None:
    policy = RetentionPolicy(max_age_ns=5 * SECOND, max_disk_bytes=None)
    runs = [apply_retention(store, policy, START_NS + 8 * SECOND) for store in stores]
    assert all(run is not None and run.traces > 0 for run in runs)
    _assert_stacks_agree(*stores)


def test_agent_frames_sharing_a_function_stay_apart_in_packs(tmp_path: Path) -> None:
    """Frames the agent described are told apart by their content: the same function on
    another line is another frame, in a pack's frame table as in the rows."""
    again = python("walk", "tree.py", 21)
    events = [*SHAPED_EVENTS, Event(T0 + 4, (again, *SHAPED_EVENTS[1].stack[1:]), WORKER)]
    events += [Event(T0 + 5, S1, MAIN)]
    stacks = []
    for name, size in (("packed", 2), ("plain", NEVER)):
        with Store.open(data_paths(tmp_path / name), trace_pack_size=size) as store:
            store.write(batch_of(events))
            assert store.count(TRACE_PACKS) == (3 if size == 2 else 0)
            weights = store.read_weights(T0, T0 + SECOND)
            stacks.append(load_stacks(store, weights, DictSymbols(WORK_SYMBOLS), inline=True))
    _assert_same(*stacks)
    labels = {box.label for box in stacks[0].frames}
    assert {"walk in tree.py:20 [Python]", "walk in tree.py:21 [Python]"} <= labels


@pytest.mark.parametrize("reverse", [False, True])
def test_gather_concatenates_the_runs_as_slicing_them_does(reverse: bool) -> None:
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 1000, size=200).astype(np.int64)
    lengths = rng.integers(0, 6, size=60).astype(np.int64)
    lengths[[0, 7, 8, 59]] = 0
    starts = rng.integers(0, 190, size=60).astype(np.int64)
    got, offsets = gather(codes, starts, lengths, reverse=reverse)
    runs = [codes[s : s + n] for s, n in zip(starts, lengths, strict=True)]
    if reverse:
        runs = [run[::-1] for run in runs]
    assert got.tolist() == [int(c) for run in runs for c in run]
    assert offsets.tolist() == np.r_[0, np.cumsum(lengths)].tolist()
    nothing, none_offsets = gather(codes, starts[:0], lengths[:0], reverse=reverse)
    assert not len(nothing) and none_offsets.tolist() == [0]
    empty_runs, _ = gather(codes, starts[:3], np.zeros(3, np.int64), reverse=reverse)
    assert not len(empty_runs)
