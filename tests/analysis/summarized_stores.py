"""A store whose events span a whole UTC day and the hours around it, for summary tests."""

from __future__ import annotations

import random
from pathlib import Path

from devfiler.config import data_paths
from devfiler.model import EventContext, SampleKind
from devfiler.storage.store import Store
from tests.analysis.stores import APP, LIBC, SECOND, Event, batch_of, native

DAY_S = 86400
DAY0 = 1_700_006_400
"""A UTC midnight: the data spans one whole day and the hours around it."""
UNBOUNDED = (-(1 << 63), (1 << 63) - 1)
STACKS = [
    tuple(native(APP if i % 3 else LIBC, 0x100 + j) for j in range(i % 4 + 1)) for i in range(9)
]
CONTEXTS = [EventContext(f"thread-{i % 3}", i, 0, 100 + i % 2) for i in range(4)]
RANGES = [
    UNBOUNDED,
    (DAY0 * SECOND, (DAY0 + DAY_S) * SECOND),
    ((DAY0 - 1800) * SECOND + 17, (DAY0 + 7200) * SECOND - 3),
    ((DAY0 + 590) * SECOND, (DAY0 + 610) * SECOND + 500_000_000),
    ((DAY0 + 630) * SECOND + 1, (DAY0 + 631) * SECOND),
    (UNBOUNDED[0], (DAY0 + 3 * 3600 + 45) * SECOND),
    ((DAY0 + 5000) * SECOND, UNBOUNDED[1]),
    ((DAY0 + 100) * SECOND, (DAY0 + 100) * SECOND),
    ((DAY0 + 200) * SECOND, (DAY0 + 100) * SECOND),
]
"""Whole buckets, ends inside buckets and seconds, unbounded ends, empty and reversed."""
KINDS = [None, {SampleKind.ON_CPU}, {SampleKind.OFF_CPU, SampleKind.ON_CPU}, {SampleKind.OFF_CPU}]


def _events(rng: random.Random, start_s: int, end_s: int, n: int) -> list[Event]:
    events = []
    for _ in range(n):
        kind = rng.choice([SampleKind.ON_CPU, SampleKind.ON_CPU, SampleKind.OFF_CPU])
        events.append(
            Event(
                rng.randrange(start_s * SECOND, end_s * SECOND),
                rng.choice(STACKS),
                rng.choice(CONTEXTS),
                kind,
                rng.randrange(1, 10_000) if kind is SampleKind.OFF_CPU else 1,
            )
        )
    return events


def filled_store(path: Path) -> Store:
    """Events over 26 hours around a midnight, sparse, with a busy minute at its start;
    a quarter of the contexts share one thread name."""
    store = Store.open(data_paths(path))
    rng = random.Random(7)
    events = _events(rng, DAY0 - 3600, DAY0 + DAY_S + 3600, 6000)
    events += _events(rng, DAY0 + 600, DAY0 + 660, 2000)
    for i in range(0, len(events), 500):
        store.write(batch_of(events[i : i + 500]))
    return store
