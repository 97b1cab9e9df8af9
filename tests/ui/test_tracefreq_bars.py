from __future__ import annotations

from devfiler.analysis.results import TraceStats, Unit
from devfiler.ui.tracefreq_bars import bucketed, figures


def test_counts_fold_into_power_of_two_buckets() -> None:
    bars = bucketed(((1, 10), (2, 4), (3, 2), (4, 1), (7, 1), (1500, 1)))
    assert bars.labels[:4] == ("1", "2", "4", "8")
    assert bars.labels[-1] == "2K"
    assert bars.traces[:4] == (10, 4, 3, 1)
    assert bars.events[:4] == (10, 8, 10, 7)
    assert bars.traces[-1] == 1 and sum(bars.traces) == 19
    assert bucketed(()).labels == ()


def test_figures_show_the_dedup_rates() -> None:
    stats = TraceStats(Unit.SAMPLES, 0, 1, 100, 25, 20, 250, 50, ((4, 25),), ((5, 20),))
    shown = dict(figures(stats))
    assert shown["Events per unique trace"] == "4.00"
    assert shown["Events per unique trace without leaf"] == "5.00"
    assert shown["Frames per unique frame"] == "5.00"
