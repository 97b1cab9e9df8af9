"""The Trace frequency tab (developer mode): how well events deduplicate.

The figures of the analysis layer's trace statistics, and two bar charts of
how many traces were seen how often, with and without their leaf frame.
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg

from devfiler.analysis.results import Selection, TraceStats
from devfiler.analysis.tracestats import trace_stats
from devfiler.services.database import Store
from devfiler.ui.tabs import Shared
from devfiler.ui.tracefreq_bars import Bars, bucketed, figures

CHART_HEIGHT = 400


def _compute(store: Store, selection: Selection) -> TraceStats:
    return trace_stats(store, selection)


class _Chart:
    """A bar plot of traces per bucket of events per trace."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.x_axis: int | str = 0
        self.y_axis: int | str = 0
        self.series: int | str = 0

    def build(self) -> None:
        with dpg.plot(
            label=self.title, height=CHART_HEIGHT, width=-1, no_menus=True, no_mouse_pos=True
        ):
            self.x_axis = dpg.add_plot_axis(
                dpg.mvXAxis, label="events per trace (at most)", no_gridlines=True
            )
            self.y_axis = dpg.add_plot_axis(
                dpg.mvYAxis, label="traces", scale=dpg.mvPlotScale_Log10
            )
            self.series = dpg.add_bar_series([], [], weight=0.8, parent=self.y_axis)

    def show(self, bars: Bars) -> None:
        xs = [float(i) for i in range(len(bars.labels))]
        dpg.set_value(self.series, [xs, [float(t) for t in bars.traces]])
        if bars.labels:
            dpg.set_axis_ticks(self.x_axis, tuple(zip(bars.labels, xs, strict=True)))
            dpg.set_axis_limits(self.x_axis, -0.6, len(xs) - 0.4)
            dpg.set_axis_limits(self.y_axis, 0.8, max(bars.traces) * 2.0)


class TraceFrequencyTab:
    id = "tracefreq"
    title = "Trace frequency"

    def __init__(self) -> None:
        self.stats: TraceStats | None = None
        self._key: object = None
        self._figures: int | str = 0
        self._error: int | str = 0
        self._charts = (
            _Chart("Traces by events per trace"),
            _Chart("Traces without leaf frame by events per trace"),
        )

    def visible(self, dev_mode: bool) -> bool:
        return dev_mode

    def build(self, parent: int | str, shared: Shared) -> None:
        with dpg.group(parent=parent):
            self._error = dpg.add_text("", show=False)
            with dpg.table(header_row=False, policy=dpg.mvTable_SizingFixedFit) as self._figures:
                dpg.add_table_column(init_width_or_weight=320)
                dpg.add_table_column(init_width_or_weight=160)
            with dpg.group(horizontal=True):
                for chart in self._charts:
                    with dpg.child_window(
                        width=-1 if chart is self._charts[-1] else 720,
                        height=CHART_HEIGHT + 10,
                        border=False,
                    ):
                        chart.build()

    def result_key(self, shared: Shared) -> object:
        return ("tracefreq", shared.selection, shared.change)

    def update(self, shared: Shared) -> None:
        store, selection = shared.store, shared.selection
        outcome = shared.work.request(
            "tracefreq", self.result_key(shared), lambda: _compute(store, selection)
        )
        if outcome is None or outcome.key == self._key:
            return
        self._key = outcome.key
        dpg.configure_item(self._error, default_value=outcome.error or "", show=bool(outcome.error))
        if outcome.value is None:
            return
        self.stats = outcome.value
        dpg.delete_item(self._figures, children_only=True, slot=1)
        for name, value in figures(self.stats):
            with dpg.table_row(parent=self._figures):
                dpg.add_text(name)
                dpg.add_text(value)
        self._charts[0].show(bucketed(self.stats.count_histogram))
        self._charts[1].show(bucketed(self.stats.count_histogram_without_leaf))

    def settled(self, shared: Shared) -> bool:
        return self._key == self.result_key(shared)

    def state(self) -> dict[str, object]:
        stats = self.stats
        return {
            "events": stats.events if stats else 0,
            "unique_traces": stats.unique_traces if stats else 0,
            "buckets": len(bucketed(stats.count_histogram).labels) if stats else 0,
        }
