"""How numbers read in the window: short counts, percentages, durations."""

from __future__ import annotations

from devfiler.analysis.results import Unit

_COUNT_SUFFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K"))
_DURATIONS = ((3600e9, "h"), (60e9, "min"), (1e9, "s"), (1e6, "ms"), (1e3, "µs"))


def short_count(value: int) -> str:
    """1234 -> 1.23K, as the original's tables show counts."""
    for threshold, suffix in _COUNT_SUFFIXES:
        if abs(value) >= threshold:
            return f"{value / threshold:.3g}{suffix}"
    return str(value)


def duration(ns: int) -> str:
    """Off-CPU weights are nanoseconds: show them in the largest unit that fits."""
    for threshold, suffix in _DURATIONS:
        if abs(ns) >= threshold:
            return f"{ns / threshold:.3g} {suffix}"
    return f"{ns} ns"


def weight(value: int, unit: Unit) -> str:
    """A weight in its unit: samples as a count, off-CPU time as a duration."""
    if unit is Unit.NANOSECONDS:
        return duration(value)
    return f"{value:,} samples" if value != 1 else "1 sample"


def short_weight(value: int, unit: Unit) -> str:
    """A weight for a narrow table cell."""
    return duration(value) if unit is Unit.NANOSECONDS else short_count(value)


def percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.2f}%" if whole else "0.00%"
