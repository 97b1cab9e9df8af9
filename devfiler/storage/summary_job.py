"""The background job that summarizes settled time buckets (storage/summary_format.py).

A bucket is settled once it ended `SETTLE_S` before the wall clock: agents
send what they sampled within seconds, so later writes into it are rare
(they are still correct: the write drops the bucket's summaries and a later
pass redoes them). Data imported from the past is settled at once. A pass
summarizes every settled bucket of the finest length that holds events from
its blocks (the FlameScope cells too), then the larger buckets from the
summaries one level down, walking the stored
seconds with one seek per summarized bucket, so a pass over a summarized
week costs a few hundred seeks. Writes wait only while a finished summary is
stored. The DB stats tab shows `status()`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from devfiler.storage.cells import FlameCells
from devfiler.storage.events import (
    EventTimes,
    EventWeights,
    SecondRows,
    sum_events,
)
from devfiler.storage.keys import NS_PER_SECOND, decode_event_key, encode_second
from devfiler.storage.periodic_job import PeriodicJob
from devfiler.storage.store import Store
from devfiler.storage.summary_format import (
    decode_rows,
    decode_seconds,
    encode_cells,
    encode_rows,
    encode_seconds,
)
from devfiler.storage.summary_state import FINEST, LEVELS
from devfiler.storage.tables import (
    EVENTS,
    SUMMARY_CELLS,
    SUMMARY_ROWS,
    SUMMARY_SECONDS,
    TableSpec,
)
from devfiler.storage.weight_merge import sum_weights

SETTLE_S = 120
CHECK_INTERVAL_S = 30.0

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SummaryPass:
    """What one pass did."""

    built: dict[int, int]
    """Buckets summarized, by length in seconds."""
    refused: int
    """Builds a write or a deletion touched meanwhile (redone by a later pass)."""
    cpu_s: float


def summarize(store: Store, now_ns: int, stop: threading.Event | None = None) -> SummaryPass:
    """One pass: summarize what is settled at `now_ns` and not summarized yet."""
    began = time.process_time()
    horizon_s = now_ns // NS_PER_SECOND - SETTLE_S
    built = dict.fromkeys(LEVELS, 0)
    refused = 0
    for length in reversed(LEVELS):
        for start in list(_missing(store, length, horizon_s)):
            if stop is not None and stop.is_set():
                return SummaryPass(built, refused, time.process_time() - began)
            done = _build(store, start, length)
            if done is None:
                continue
            built[length] += done
            refused += not done
    return SummaryPass(built, refused, time.process_time() - began)


def _next_data_second(store: Store, second: int) -> int | None:
    """The first second at or after `second` that has an event block."""
    for key, _ in store.rows(EVENTS, encode_second(second)):
        return decode_event_key(key)[0]
    return None


def _holds_events(store: Store, start: int, end: int) -> bool:
    second = _next_data_second(store, start)
    return second is not None and second < end


def _missing(store: Store, length: int, horizon_s: int) -> Iterator[int]:
    """Starts of the buckets of `length` that hold events, ended before `horizon_s` and are
    summarized neither themselves nor inside a larger bucket."""
    state = store.summary_state
    second = _next_data_second(store, state.floor_s)
    while second is not None:
        covering = state.covering(second)
        if covering is not None and covering[1] >= length:
            second = _next_data_second(store, covering[0] + covering[1])
            continue
        start = second - second % length
        if start + length > horizon_s:
            return
        if start >= state.floor_s:
            yield start
        second = _next_data_second(store, start + length)


def _build(store: Store, start: int, length: int) -> bool | None:
    """Summarize one bucket: True if stored, False if refused, None if a smaller bucket
    inside it that holds events is not summarized yet."""
    with store.building_summary(start, start + length):
        values = (
            _of_blocks(store, start, length)
            if length == FINEST
            else _of_summaries(store, start, length)
        )
        if values is None:
            return None
        return bool(values) and store.put_summary(start, length, values)


def _of_blocks(store: Store, start: int, length: int) -> dict[TableSpec, bytes]:
    events = store.read_events(start * NS_PER_SECOND, (start + length) * NS_PER_SECOND)
    times = EventTimes(events.timestamps, events.kinds, events.weights)
    return {
        SUMMARY_ROWS: encode_rows(start, sum_events(events)),
        SUMMARY_SECONDS: encode_seconds(start, SecondRows.of_times(times).summed()),
        SUMMARY_CELLS: encode_cells(start, FlameCells.of_times(times)),
    }


def _of_summaries(store: Store, start: int, length: int) -> dict[TableSpec, bytes] | None:
    """The bucket's summary summed from those one level down; None when one that should be
    there is not yet, empty when one went meanwhile (the build is refused then anyway)."""
    child = LEVELS[LEVELS.index(length) + 1]
    present = store.summary_state.present[child]
    starts = range(start, start + length, child)
    if any(_holds_events(store, s, s + child) for s in starts if s not in present):
        return None
    children = [(s, child) for s in starts if s in present]
    seconds = store.summary_values(SUMMARY_SECONDS, children)
    rows = _decoded_rows(store, children)
    try:
        summed = sum_weights(rows)
    except _ChildGoneError:
        return {}
    if any(value is None for value in seconds):
        return {}
    return {
        SUMMARY_ROWS: encode_rows(start, summed),
        SUMMARY_SECONDS: encode_seconds(
            start, SecondRows.joined([decode_seconds(value) for value in seconds if value])
        ),
    }


class _ChildGoneError(Exception):
    """A summary one level down went while the bucket above was being built."""


def _decoded_rows(store: Store, children: list[tuple[int, int]]) -> Iterator[EventWeights]:
    """The rows of each child in turn: a day's hours are not all held at once."""
    for child in children:
        (value,) = store.summary_values(SUMMARY_ROWS, [child])
        if value is None:
            raise _ChildGoneError
        yield decode_rows(value)


@dataclass(frozen=True, slots=True)
class SummaryStatus:
    """What the DB stats tab shows: how much is summarized and the last pass."""

    buckets: dict[int, int]
    """Summarized buckets by length, now."""
    passes: int
    last: SummaryPass | None
    error: str | None

    def lines(self) -> list[str]:
        names = {86400: "a day", 3600: "an hour", 600: "10 minutes"}
        counts = ", ".join(
            f"{self.buckets.get(n, 0):,} of {names.get(n, f'{n} s')}" for n in LEVELS
        )
        lines = [f"Summarized buckets: {counts}."]
        if self.last is not None:
            built = sum(self.last.built.values())
            lines.append(
                f"Passes since start: {self.passes:,}; the last built {built:,} summaries "
                f"in {self.last.cpu_s:.1f} s of CPU ({self.last.refused} redone later)."
            )
        if self.error is not None:
            lines.append(f"Summarizing failed: {self.error}")
        return lines


class SummaryJob(PeriodicJob):
    """Runs `summarize` every `interval_s` seconds on its own thread, in the process that
    owns the store: start it after opening the store, stop it before closing."""

    def __init__(
        self, *, interval_s: float = CHECK_INTERVAL_S, clock: Callable[[], int] = time.time_ns
    ) -> None:
        super().__init__("summaries", interval_s)
        self._clock = clock
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._passes = 0
        self._last: SummaryPass | None = None
        self._error: str | None = None

    def start(self, store: Store) -> None:
        self._store = store
        super().start(store)

    def status(self) -> SummaryStatus:
        store = self._store
        present = store.summary_state.present if store is not None else {}
        with self._lock:
            return SummaryStatus(
                {length: len(starts) for length, starts in present.items()},
                self._passes,
                self._last,
                self._error,
            )

    def run_once(self, store: Store) -> SummaryPass | None:
        """One pass; errors are logged, not raised."""
        try:
            done = summarize(store, self._clock(), self._stop)
        except Exception as error:
            _log.exception("summarizing failed")
            with self._lock:
                self._error = f"{error!r} (see the Log tab)"
            return None
        with self._lock:
            self._passes += 1
            self._last = done
            self._error = None
        return done
