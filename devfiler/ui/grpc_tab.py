"""The gRPC tab (developer mode): forwarding, the collector's last requests, one opened up.

A line per --forward downstream says what was sent, waits and was dropped
(collector/forward.py). The list follows the request log (newest first);
selecting a request shows
its gRPC metadata and its payload as a tree. The payload is decoded in the
worker pool for the selected request only, and tree nodes get their children
when first opened, so a large request costs nothing until looked at.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg

from devfiler.services.requests import Forwarder, RequestLog, RequestRecord, payload_tree
from devfiler.ui.drawn import drawn_at
from devfiler.ui.file_dialog import FileDialog, Purpose
from devfiler.ui.grpc_rows import OUTCOME_COLOURS, newest_first, record_cells, tree_entries
from devfiler.ui.tabs import Shared
from devfiler.ui.text_table import Column, TextTable

LIST_HEIGHT = 300
METADATA_WIDTH = 520
_log = logging.getLogger(__name__)


def _decode(log: RequestLog, record_id: int) -> dict[str, Any] | None:
    payload = log.payload(record_id)
    return payload_tree(payload) if payload is not None else None


class GrpcTab:
    id = "grpc"
    title = "gRPC"

    def __init__(self, log: RequestLog, forwarders: tuple[Forwarder, ...] = ()) -> None:
        self._log = log
        self._forwarders = forwarders
        self.forwarding: list[str] = []
        """The forwarding lines shown (for tests)."""
        self._forwarding_text: int | str = 0
        self.records: list[RequestRecord] = []
        self.selected: int | None = None
        """ID of the selected request."""
        self._listed = -1
        self._tree_for: int | None = None
        self._opened: set[int | str] = set()
        self._table = TextTable(
            (
                Column("Time", 110),
                Column("Peer", 220),
                Column("Size", 100),
                Column("Samples", 90),
                Column("Outcome", 1.0, stretch=True),
            ),
            on_select=self._select,
        )
        self._summary: int | str = 0
        self._save_one = FileDialog("Save the request", Purpose.SAVE, self._save_selected)
        self._save_all = FileDialog(
            "Save every kept request into a folder", Purpose.FOLDER, self._save_kept
        )
        self._save_button: int | str = 0
        self._save_all_button: int | str = 0
        self._saved: int | str = 0
        self.saved = ""
        self._metadata: int | str = 0
        self._tree: int | str = 0
        self._handlers: int | str = 0

    def visible(self, dev_mode: bool) -> bool:
        return dev_mode

    def build(self, parent: int | str, shared: Shared) -> None:
        with dpg.item_handler_registry() as self._handlers:
            dpg.add_item_toggled_open_handler(callback=self._expand)
        with dpg.group(parent=parent) as body:
            self._forwarding_text = dpg.add_text("", show=bool(self._forwarders))
            with dpg.group(horizontal=True):
                self._summary = dpg.add_text("No requests since start.")
                self._save_button = dpg.add_button(
                    label="Save request...", callback=self._open_save_one
                )
                self._save_all_button = dpg.add_button(
                    label="Save all...", callback=self._open_save_all
                )
                self._saved = dpg.add_text("", color=(150, 150, 150))
            self._table.build(body, height=LIST_HEIGHT)
            with dpg.group(horizontal=True):
                with dpg.child_window(width=METADATA_WIDTH, height=-1):
                    dpg.add_text("gRPC metadata")
                    with dpg.table(
                        header_row=True,
                        policy=dpg.mvTable_SizingStretchProp,
                        row_background=True,
                        borders_innerV=True,
                    ) as self._metadata:
                        dpg.add_table_column(label="Key", init_width_or_weight=0.4)
                        dpg.add_table_column(label="Value", init_width_or_weight=0.6)
                with dpg.child_window(width=-1, height=-1) as self._tree:
                    dpg.add_text("Select a request to see its payload.")

    def _open_save_one(self) -> None:
        if self.selected is None:
            self._say("Select a request first.")
            return
        self._save_one.open(f"request-{self.selected}.binpb", extension=".binpb")

    def _open_save_all(self) -> None:
        self._save_all.open()

    def _save_selected(self, paths: list[Path]) -> None:
        payload = self._log.payload(self.selected) if self.selected is not None else None
        if payload is None:
            self._say("The request's payload is no longer kept.")
            return
        self._say(_written(paths[0], [payload]))

    def _save_kept(self, paths: list[Path]) -> None:
        folder = paths[0]
        kept = [(r.id, self._log.payload(r.id)) for r in self._log.records()]
        payloads = {i: p for i, p in kept if p is not None}
        self._say(_written(folder, list(payloads.values()), ids=list(payloads)))

    def _say(self, text: str) -> None:
        self.saved = text
        _log.info("%s", text)
        dpg.set_value(self._saved, text)

    def _select(self, row: int) -> None:
        if 0 <= row < len(self.records):
            self.selected = self.records[row].id

    def update(self, shared: Shared) -> None:
        self._save_one.follow()
        self._save_all.follow()
        forwarding = [forwarder.stats().describe() for forwarder in self._forwarders]
        if forwarding != self.forwarding:
            self.forwarding = forwarding
            dpg.set_value(self._forwarding_text, "\n".join(forwarding))
        total = self._log.total
        if total != self._listed:
            self._listed = total
            self.records = newest_first(self._log.records())
            self._table.show(
                [record_cells(r) for r in self.records],
                [OUTCOME_COLOURS[r.outcome] for r in self.records],
            )
            ids = [r.id for r in self.records]
            self._table.select(ids.index(self.selected) if self.selected in ids else -1)
            if total:
                summary = (
                    f"Last {len(self.records)} of {total:,} requests since start, newest first."
                )
                dpg.set_value(self._summary, summary)
        if self.selected is None:
            return
        selected, log = self.selected, self._log
        outcome = shared.work.request("grpc-payload", selected, lambda: _decode(log, selected))
        if outcome is not None and outcome.key == selected and self._tree_for != selected:
            self._tree_for = selected
            self._show_request(selected, outcome.value, outcome.error)

    def _show_request(self, record_id: int, tree: dict[str, Any] | None, error: str | None) -> None:
        record = next((r for r in self.records if r.id == record_id), None)
        dpg.delete_item(self._metadata, children_only=True, slot=1)
        for key, value in record.metadata if record is not None else ():
            with dpg.table_row(parent=self._metadata):
                dpg.add_text(key)
                dpg.add_text(value, wrap=0)
        dpg.delete_item(self._tree, children_only=True)
        self._opened.clear()
        if tree is None:
            dpg.add_text(error or "The payload was dropped (memory budget).", parent=self._tree)
            return
        dpg.add_text(f"Payload of request {record_id}", parent=self._tree)
        self._add_entries(self._tree, tree)

    def _add_entries(self, parent: int | str, node: Any) -> None:
        for entry in tree_entries(node):
            if entry.children is None:
                dpg.add_text(entry.label, parent=parent)
                continue
            item = dpg.add_tree_node(label=entry.label, parent=parent, user_data=entry.children)
            dpg.bind_item_handler_registry(item, self._handlers)

    def _expand(self, sender: int | str, item: int | str) -> None:
        """Children of a tree node are made when it is first opened."""
        if item in self._opened:
            return
        self._opened.add(item)
        self._add_entries(item, dpg.get_item_user_data(item))

    def settled(self, shared: Shared) -> bool:
        return self._listed == self._log.total and (
            self.selected is None or self._tree_for == self.selected
        )

    def state(self) -> dict[str, object]:
        return {
            "requests": len(self.records),
            "row_items": self._table.row_items,
            "selected": self.selected,
            "tree_for": self._tree_for,
            "opened": len(self._opened),
            "first_row_at": self._table.row_at(0) if self.records else None,
            "forwarding": self.forwarding,
            "save_at": drawn_at(self._save_button),
            "save_all_at": drawn_at(self._save_all_button),
            "save_dialog": self._save_one.rect() or self._save_all.rect(),
            "saved": self.saved,
        }


def _written(target: Path, payloads: list[bytes], ids: list[int] | None = None) -> str:
    """Write one payload to `target`, or each (named by request ID) into the folder `target`.

    The files are what the agent sent: binary ExportProfilesServiceRequest
    messages, which `devfiler import` and "Open profile..." read.
    """
    try:
        if ids is None:
            target.write_bytes(payloads[0])
            return f"Saved the request to {target}"
        target.mkdir(parents=True, exist_ok=True)
        for record_id, payload in zip(ids, payloads, strict=True):
            (target / f"request-{record_id:06d}.binpb").write_bytes(payload)
    except OSError as error:
        return f"Could not save to {target}: {error.strerror}"
    return f"Saved {len(payloads)} requests into {target}"
