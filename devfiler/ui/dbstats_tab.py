"""The DB stats tab (developer mode): retention, RocksDB figures per table, "Flush event data".

Flushing deletes every event of the store, so the button asks first. The
retention lines show the bounds, the store's size and what the last pass
deleted (storage/retention_job.py); the summary lines how many buckets are
summarized and what the last pass built (storage/summary_job.py).
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg

from devfiler.services.database import (
    DatabaseFigures,
    RetentionJob,
    RetentionStatus,
    SummaryJob,
    SummaryStatus,
    database_figures,
)
from devfiler.ui.tabs import Shared


class DbStatsTab:
    id = "dbstats"
    title = "DB stats"

    def __init__(
        self, retention: RetentionJob | None = None, summaries: SummaryJob | None = None
    ) -> None:
        self._retention = retention
        self._summaries = summaries
        self.retention_lines: list[str] = []
        """What the retention text shows (for tests)."""
        self.summary_lines: list[str] = []
        """What the summaries text shows (for tests)."""
        self._retention_text: int | str = 0
        self._summary_text: int | str = 0
        self._shown_status: RetentionStatus | None = None
        self._shown_summaries: SummaryStatus | None = None
        self._disk_usage = 0
        self._key: object = None
        self._body: int | str = 0
        self._flush_requested = False
        self._flushes = 0
        self._confirm: int | str = 0
        self.figures: DatabaseFigures | None = None

    def visible(self, dev_mode: bool) -> bool:
        return dev_mode

    def build(self, parent: int | str, shared: Shared) -> None:
        with dpg.group(parent=parent):
            dpg.add_button(label="Flush event data", callback=self._ask)
            self._retention_text = dpg.add_text("", wrap=0, show=self._retention is not None)
            self._summary_text = dpg.add_text("", wrap=0, show=self._summaries is not None)
            self._body = dpg.add_child_window(height=-1, border=False)
        with dpg.window(
            label="Flush event data?",
            modal=True,
            show=False,
            no_resize=True,
            no_collapse=True,
            autosize=True,
            pos=(520, 300),
        ) as self._confirm:
            dpg.add_text(
                "This deletes every event in the store (traces and symbols stay).\n"
                "It cannot be undone."
            )
            with dpg.group(horizontal=True):
                dpg.add_button(label="Flush", width=100, callback=self._request_flush)
                dpg.add_button(label="Cancel", width=100, callback=self._cancel)

    def _ask(self) -> None:
        dpg.configure_item(self._confirm, show=True)

    def _cancel(self) -> None:
        dpg.configure_item(self._confirm, show=False)

    def _request_flush(self) -> None:
        dpg.configure_item(self._confirm, show=False)
        self._flush_requested = True

    def update(self, shared: Shared) -> None:
        store = shared.store
        if self._flush_requested:
            self._flush_requested = False
            self._flushes += 1
            shared.work.request("flush-events", self._flushes, store.delete_events)
        key = ("dbstats", shared.change)
        outcome = shared.work.request("dbstats", key, lambda: database_figures(store))
        self._show_retention()
        self._show_summaries()
        if outcome is None or outcome.key == self._key:
            return
        self._key = outcome.key
        self.figures = outcome.value
        dpg.delete_item(self._body, children_only=True)
        if outcome.value is None:
            dpg.add_text(outcome.error or "", parent=self._body)
            return
        figures = outcome.value
        tables, wal, self._disk_usage = figures.tables, figures.wal_bytes, figures.disk_bytes
        self._shown_status = None
        self._show_retention()
        memtables = sum(table.memtable_bytes for table in tables)
        dpg.add_text(
            f"Write-ahead log: {wal:,} bytes; memtables: {memtables:,} bytes "
            "(recent writes not yet in table files)",
            parent=self._body,
        )
        for table in tables:
            header = (
                f"{table.name}: ~{table.estimated_keys:,} keys, {table.size_bytes:,} bytes "
                f"in table files, {table.memtable_bytes:,} bytes in memtables"
            )
            with dpg.collapsing_header(label=header, parent=self._body):
                dpg.add_text(table.stats_text or "(no statistics)")

    def _show_retention(self) -> None:
        if self._retention is None:
            return
        status = self._retention.status()
        if status == self._shown_status:
            return
        self._shown_status = status
        self.retention_lines = status.lines(self._disk_usage)
        dpg.set_value(self._retention_text, "\n".join(self.retention_lines))

    def _show_summaries(self) -> None:
        if self._summaries is None:
            return
        status = self._summaries.status()
        if status == self._shown_summaries:
            return
        self._shown_summaries = status
        self.summary_lines = status.lines()
        dpg.set_value(self._summary_text, "\n".join(self.summary_lines))

    def settled(self, shared: Shared) -> bool:
        checked = self._retention is None or (
            self._shown_status is not None and self._shown_status.checks > 0
        )
        summarized = self._summaries is None or (
            self._shown_summaries is not None and self._shown_summaries.passes > 0
        )
        return checked and summarized and self._key == ("dbstats", shared.change)

    def state(self) -> dict[str, object]:
        figures = self.figures or DatabaseFigures((), 0, 0)
        tables, wal = figures.tables, figures.wal_bytes
        return {
            "tables": len(tables),
            "wal_bytes": wal,
            "memtable_bytes": sum(table.memtable_bytes for table in tables),
            "retention": self.retention_lines,
            "summaries": self.summary_lines,
        }
