"""The time range every tab shows: fixed, or following the present.

Pure values and arithmetic for the timeline: the range, "Last" follow
durations, and time-of-day tick labels (the plot runs on seconds relative
to an origin, because Dear PyGui reports axis limits as 32-bit floats,
which cannot hold epoch seconds to the second).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

NS = 1_000_000_000
FOLLOW_CHOICES: tuple[tuple[str, int], ...] = (
    ("15m", 15 * 60 * NS),
    ("1h", 3600 * NS),
    ("24h", 86400 * NS),
)
RESULTS_STEP_NS = 5 * NS
"""How far a following range moves ahead of its views when no data arrives: the agent's
reporting interval."""
_TICK_STEPS_S = (
    1,
    2,
    5,
    10,
    15,
    30,
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    10800,
    21600,
    43200,
    86400,
)


@dataclass(frozen=True, slots=True)
class TimeRange:
    start_ns: int
    end_ns: int
    follow_ns: int | None = None
    """While set, the range is the last `follow_ns` up to now."""

    @classmethod
    def following(cls, duration_ns: int, now_ns: int) -> TimeRange:
        return cls(now_ns - duration_ns, now_ns, duration_ns)

    def advanced(self, now_ns: int) -> TimeRange:
        """Where a following range is now; whole seconds so results refresh once a second."""
        if self.follow_ns is None:
            return self
        end = (now_ns // NS + 1) * NS
        return replace(self, start_ns=end - self.follow_ns, end_ns=end)

    def results_range(self, last: TimeRange | None, *, new_data: bool) -> TimeRange:
        """The range the views compute for, given the one they computed for last.

        A following range moves every second, but moving the views with it
        would fold, cut and draw every view five times per agent report,
        each time for one second of old data leaving. The views move when
        new data arrived, or when they lag by RESULTS_STEP_NS without any.
        """
        lag = self.end_ns - last.end_ns if last is not None else -1
        held = (
            not new_data
            and last is not None
            and self.follow_ns is not None
            and last.follow_ns == self.follow_ns
            and 0 <= lag < RESULTS_STEP_NS
        )
        return last if held and last is not None else self

    def frozen(self, start_ns: int, end_ns: int) -> TimeRange:
        """The user dragged or zoomed the timeline: stop following."""
        return TimeRange(start_ns, max(end_ns, start_ns + 1), None)


def time_ticks(
    start_s: float, end_s: float, origin_s: float, *, max_ticks: int = 12
) -> tuple[tuple[str, float], ...]:
    """Ticks at round local times between two epoch seconds, as (label, plot x) pairs."""
    span = max(end_s - start_s, 1e-9)
    step = next((s for s in _TICK_STEPS_S if span / s <= max_ticks), _TICK_STEPS_S[-1])
    offset = time.localtime(start_s).tm_gmtoff
    first = ((int(start_s) + offset) // step + 1) * step - offset
    fmt = "%H:%M:%S" if step < 60 else "%H:%M"
    if step >= 86400:
        fmt = "%b %d"
    ticks = []
    moment = first
    while moment <= end_s:
        ticks.append((time.strftime(fmt, time.localtime(moment)), float(moment - origin_s)))
        moment += step
    return tuple(ticks)
