"""Retention: keep the store within an age and a disk bound, oldest data first.

A pass deletes the event data older than a cutoff (every table keyed by
time, as one key range), then the traces, frames and contexts no remaining
event uses, and compacts what it touched. The cutoff is the later of the age
bound and the disk cutoff: the oldest share of the event data as large as
the share of the database folder that must go to bring it under 90% of the
disk bound (repeated while the folder is still over the bound). The
collector keeps writing meanwhile: the store tracks what writes refer to
while the scan runs and keeps it (Store.tracking_references).
`storage/retention_job.py` runs passes in the background.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.sizes import format_size
from devfiler.storage import records
from devfiler.storage.blocks import read_references, read_summary
from devfiler.storage.deleting import UnusedRows
from devfiler.storage.keys import NS_PER_SECOND, decode_event_key, encode_second
from devfiler.storage.store import Store
from devfiler.storage.tables import CONTEXTS, EVENTS, FRAMES, TRACES, TableSpec

DISK_TARGET = 0.9
"""A pass over the disk bound frees down to this share of it, so the next one is not due at once."""
MAX_DISK_ROUNDS = 4
"""Compaction sizes are estimates: a pass deletes in at most this many rounds."""
MAX_AGE_SLACK_NS = 3600 * NS_PER_SECOND
"""Age passes wait until the oldest data is this much (or a tenth of the bound) past it,
so that a scan of the whole store runs once an hour, not once a minute."""
_CONTEXT_KEY_DTYPE = np.dtype("V8")
_MERGE_EVERY = 1 << 20
"""References collected before duplicates are folded, to bound memory on large stores."""


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """The bounds; None means unbounded."""

    max_age_ns: int | None
    max_disk_bytes: int | None

    def describe(self) -> str:
        age = "forever" if self.max_age_ns is None else format_duration(self.max_age_ns)
        disk = "any size" if self.max_disk_bytes is None else format_size(self.max_disk_bytes)
        return f"keep {age}, at most {disk}"


@dataclass(frozen=True, slots=True)
class RetentionRun:
    """What one pass deleted and why."""

    finished_ns: int
    reasons: tuple[str, ...]
    """"age", "disk" or both."""
    cutoff_ns: int
    """Event data before this time is gone."""
    events: int
    blocks: int
    traces: int
    frames: int
    contexts: int
    disk_before: int
    disk_after: int
    seconds: float

    def describe(self) -> str:
        cutoff = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.cutoff_ns // NS_PER_SECOND))
        return (
            f"deleted {self.events:,} events before {cutoff} UTC ({' and '.join(self.reasons)} "
            f"bound), then {self.traces:,} traces, {self.frames:,} frames and "
            f"{self.contexts:,} contexts no event uses; the store went from "
            f"{format_size(self.disk_before)} to {format_size(self.disk_after)} "
            f"in {self.seconds:.1f} s"
        )


def apply_retention(store: Store, policy: RetentionPolicy, now_ns: int) -> RetentionRun | None:
    """One pass: delete what lies beyond the bounds; None when nothing does."""
    started = time.monotonic()
    disk_before = store.disk_usage()
    cutoff = _age_cutoff(store, policy, now_ns)
    reasons = ["age"] if cutoff is not None else []
    events = blocks = 0
    deleted = UnusedRows([], [], [])
    for round_number in range(MAX_DISK_ROUNDS):
        disk_cutoff = _disk_cutoff(store, policy)
        if disk_cutoff is not None and (cutoff is None or disk_cutoff > cutoff):
            cutoff = disk_cutoff
            reasons += [] if "disk" in reasons else ["disk"]
        elif round_number > 0 or cutoff is None:
            break
        round_events, round_blocks = _count_events_before(store, cutoff)
        events, blocks = events + round_events, blocks + round_blocks
        store.delete_before(cutoff)
        found = _delete_unused(store)
        deleted = UnusedRows(
            deleted.traces + found.traces,
            deleted.frames + found.frames,
            deleted.contexts + found.contexts,
        )
        store.flush()
    if cutoff is None:
        return None
    return RetentionRun(
        finished_ns=time.time_ns(),
        reasons=tuple(reasons),
        cutoff_ns=cutoff * NS_PER_SECOND,
        events=events,
        blocks=blocks,
        traces=len(deleted.traces),
        frames=len(deleted.frames),
        contexts=len(deleted.contexts),
        disk_before=disk_before,
        disk_after=store.disk_usage(),
        seconds=time.monotonic() - started,
    )


def _age_cutoff(store: Store, policy: RetentionPolicy, now_ns: int) -> int | None:
    """The second before which events are too old, once the oldest is past it by the slack."""
    if policy.max_age_ns is None:
        return None
    oldest = next((decode_event_key(key)[0] for key, _ in store.rows(EVENTS)), None)
    if oldest is None:
        return None
    slack = min(MAX_AGE_SLACK_NS, policy.max_age_ns // 10) // NS_PER_SECOND
    cutoff = (now_ns - policy.max_age_ns) // NS_PER_SECOND
    return cutoff if oldest < cutoff - slack else None


def _disk_cutoff(store: Store, policy: RetentionPolicy) -> int | None:
    """The second before which the share of event data to delete lies.

    The share is the share of the store to free: traces, frames and contexts
    mostly serve the events of their time, so they shrink with them. Where
    they do not, the next round of the pass deletes more.
    """
    if policy.max_disk_bytes is None:
        return None
    usage = store.disk_usage()
    if usage <= policy.max_disk_bytes:
        return None
    store.flush()
    share = (usage - policy.max_disk_bytes * DISK_TARGET) / usage
    wanted = share * store.raw_bytes(EVENTS)
    total = 0
    second = None
    for key, value in store.rows(EVENTS):
        second = decode_event_key(key)[0]
        total += len(key) + len(value)
        if total >= wanted:
            break
    return None if second is None else second + 1


def _count_events_before(store: Store, second: int) -> tuple[int, int]:
    """(events, blocks) of the event data older than `second`."""
    events = blocks = 0
    for _, value in store.rows(EVENTS, end=encode_second(second)):
        events += read_summary(value).events
        blocks += 1
    return events, blocks


def _delete_unused(store: Store) -> UnusedRows:
    """Delete the traces, frames and contexts no event uses; what was deleted."""
    with store.tracking_references() as tracked:
        used_traces, used_contexts = _used_by_events(store)
        unused_traces, used_frames = _unused_traces(store, used_traces)
        unused = UnusedRows(
            traces=unused_traces,
            frames=_unused_keys(store, FRAMES, used_frames),
            contexts=_unused_keys(store, CONTEXTS, used_contexts),
        )
        deleted = store.delete_unused(unused, tracked)
    for spec in (TRACES, FRAMES, CONTEXTS):
        store.compact(spec)
    return deleted


def _used_by_events(store: Store) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.void]]:
    """Which trace numbers events use (a map indexed by number, as long as the highest
    used plus one) and the sorted distinct context keys (as `contexts` keys) of every event."""
    traces = np.zeros(0, dtype=bool)
    contexts = _Distinct(_CONTEXT_KEY_DTYPE)
    for _, value in store.rows(EVENTS):
        numbers, keys = read_references(value)
        if len(numbers):
            highest = int(numbers.max())
            if highest >= len(traces):
                traces = np.concatenate([traces, np.zeros(2 * highest + 1 - len(traces), bool)])
            traces[numbers] = True
        contexts.add(keys.astype(">u8").view(_CONTEXT_KEY_DTYPE))
    return traces, contexts.result()


def _unused_traces(
    store: Store, used: npt.NDArray[np.bool_]
) -> tuple[list[bytes], npt.NDArray[np.void]]:
    """Keys of the traces whose number `used` does not mark, and the frame keys of the rest."""
    unused: list[bytes] = []
    frames = _Distinct(records.FRAME_KEY_DTYPE)
    for keys, values in _chunks(store.rows(TRACES)):
        numbers = np.frombuffer(b"".join(keys), dtype=">u4").astype(np.int64)
        inside = numbers < len(used)
        marked = np.zeros(len(numbers), bool)
        marked[inside] = used[numbers[inside]]
        found = marked.tolist()
        unused += [key for key, kept in zip(keys, found, strict=True) if not kept]
        frames.add(records.frame_keys([v for v, kept in zip(values, found, strict=True) if kept]))
    return unused, frames.result()


def _unused_keys(store: Store, spec: TableSpec, used: npt.NDArray[np.void]) -> list[bytes]:
    """Keys of `spec` not in `used` (same width: `frames` and `contexts` keys are fixed-size)."""
    unused: list[bytes] = []
    for keys, _ in _chunks(store.rows(spec)):
        found = np.isin(np.frombuffer(b"".join(keys), dtype=used.dtype), used).tolist()
        unused += [key for key, kept in zip(keys, found, strict=True) if not kept]
    return unused


def _chunks(
    rows: Iterator[tuple[bytes, bytes]], size: int = 4096
) -> Iterator[tuple[list[bytes], list[bytes]]]:
    """Rows in lists of `size` keys and values, for array work per chunk."""
    keys: list[bytes] = []
    values: list[bytes] = []
    for key, value in rows:
        keys.append(key)
        values.append(value)
        if len(keys) == size:
            yield keys, values
            keys, values = [], []
    if keys:
        yield keys, values


class _Distinct:
    """Distinct fixed-size keys collected in pieces, folded now and then to bound memory."""

    def __init__(self, dtype: np.dtype[np.void]) -> None:
        self._dtype = dtype
        self._parts: list[npt.NDArray[np.void]] = []
        self._pending = 0

    def add(self, keys: npt.NDArray[np.void]) -> None:
        self._parts.append(keys)
        self._pending += len(keys)
        if self._pending >= _MERGE_EVERY:
            self._parts = [self.result()]
            self._pending = len(self._parts[0])

    def result(self) -> npt.NDArray[np.void]:
        if not self._parts:
            return np.empty(0, dtype=self._dtype)
        return np.unique(np.concatenate(self._parts))


def format_duration(ns: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if ns % (size * NS_PER_SECOND) == 0:
            return f"{ns // (size * NS_PER_SECOND)}{unit}"
    return f"{ns / NS_PER_SECOND:g}s"
