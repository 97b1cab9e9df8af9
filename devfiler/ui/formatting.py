"""How numbers read in the window: short counts, percentages, durations."""

from __future__ import annotations

from devfiler.analysis.results import Unit

_COUNT_SUFFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K"))
_DURATIONS = ((3600e9, "h"), (60e9, "min"), (1e9, "s"), (1e6, "ms"), (1e3, "µs"))


def _three_digits(value: float) -> str:
    """About three significant digits, never in exponent form (999.7 reads 1000, not 1e+03)."""
    text = f"{value:.3g}"
    return f"{value:.0f}" if "e" in text else text


def short_count(value: int) -> str:
    """1234 -> 1.23K, as the original's tables show counts."""
    for threshold, suffix in _COUNT_SUFFIXES:
        if abs(value) >= threshold:
            return f"{_three_digits(value / threshold)}{suffix}"
    return str(value)


def duration(ns: int) -> str:
    """Off-CPU weights are nanoseconds: show them in the largest unit that fits."""
    threshold, suffix = duration_scale(ns)
    return f"{_three_digits(ns / threshold)} {suffix}" if suffix != "ns" else f"{ns} ns"


def duration_scale(ns: int) -> tuple[float, str]:
    """The divisor and unit name for an axis whose largest value is `ns` nanoseconds."""
    for threshold, suffix in _DURATIONS:
        if abs(ns) >= threshold:
            return threshold, suffix
    return 1.0, "ns"


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
