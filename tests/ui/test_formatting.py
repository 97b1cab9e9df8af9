"""How weights read: counts stay counts, off-CPU nanoseconds read as durations."""

from __future__ import annotations

import pytest

from devfiler.analysis.results import Unit
from devfiler.ui.formatting import (
    duration,
    duration_scale,
    percent,
    short_count,
    short_weight,
    weight,
)


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (1_250_000_000, "1.25 s"),
        (830_000_000, "830 ms"),
        (999_700_000, "1000 ms"),
        (4_500, "4.5 µs"),
        (12, "12 ns"),
        (0, "0 ns"),
        (90 * 60 * 10**9, "1.5 h"),
        (2_000 * 3600 * 10**9, "2000 h"),
    ],
)
def test_durations_use_the_largest_unit_that_fits(ns: int, text: str) -> None:
    assert duration(ns) == text


def test_axis_scale_follows_the_peak() -> None:
    assert duration_scale(3_000_000_000) == (1e9, "s")
    assert duration_scale(45_000_000) == (1e6, "ms")
    assert duration_scale(500) == (1.0, "ns")


def test_counts_stay_counts() -> None:
    assert weight(1_234, Unit.SAMPLES) == "1,234 samples"
    assert weight(1, Unit.SAMPLES) == "1 sample"
    assert short_weight(1_234, Unit.SAMPLES) == "1.23K"
    assert short_count(999_999) == "1000K"
    assert short_count(999) == "999"


def test_off_cpu_weights_are_durations() -> None:
    assert weight(1_250_000_000, Unit.NANOSECONDS) == "1.25 s"
    assert short_weight(830_000_000, Unit.NANOSECONDS) == "830 ms"


def test_percent_of_nothing_is_zero() -> None:
    assert percent(1, 4) == "25.00%"
    assert percent(1, 0) == "0.00%"
