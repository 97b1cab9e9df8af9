""" "Export..." on the Flamegraph tab: the current selection written in a chosen format.

The format is picked in a combo beside the button (export/formats.py lists
them); the save dialog proposes a name with the format's suffix. Rendering
and writing run in the worker pool; a line beside the button says where the
file went or why it did not.
"""

from __future__ import annotations

import logging
from pathlib import Path

import dearpygui.dearpygui as dpg

from devfiler.analysis.results import Selection
from devfiler.export.formats import FORMATS
from devfiler.ui.drawn import drawn_at
from devfiler.ui.file_dialog import FileDialog, Purpose
from devfiler.ui.tabs import Shared

_log = logging.getLogger(__name__)
SLOT = "export"


class ExportControls:
    def __init__(self) -> None:
        self.format = next(iter(FORMATS))
        self._dialog = FileDialog("Export the selection", Purpose.SAVE, self._chosen)
        self._target: Path | None = None
        self._jobs = 0
        self._shown = 0
        self._job: tuple[int, str, Path, Selection] | None = None
        self.status = ""
        self._button: int | str = 0
        self._status: int | str = 0

    def build(self) -> None:
        """Add the combo, the button and the status line to the current container."""
        dpg.add_combo(
            list(FORMATS), default_value=self.format, width=110, callback=self._set_format
        )
        self._button = dpg.add_button(label="Export...", callback=self._open)
        self._status = dpg.add_text("", color=(150, 150, 150))

    def _set_format(self, sender: int | str, name: str) -> None:
        self.format = name

    def _open(self) -> None:
        suffix = FORMATS[self.format].suffix
        self._dialog.open(f"devfiler{suffix}", extension=Path(suffix).suffix)

    def _chosen(self, paths: list[Path]) -> None:
        self._target = paths[0]

    def update(self, shared: Shared) -> None:
        self._dialog.follow()
        if self._target is not None:
            target, self._target = self._target, None
            self._jobs += 1
            self._job = (self._jobs, self.format, target, shared.selection)
        if self._job is None:
            return
        number, name, target, selection = self._job
        outcome = shared.work.request(SLOT, number, lambda: _write(shared, name, target, selection))
        if outcome is None or outcome.key != number or self._shown == number:
            return
        self._shown = number
        self.status = (
            outcome.value if outcome.value is not None else f"Export failed: {outcome.error}"
        )
        (_log.info if outcome.value else _log.warning)("%s", self.status)
        dpg.set_value(self._status, self.status)

    def busy(self) -> bool:
        return self._target is not None or self._shown != self._jobs

    def state(self) -> dict[str, object]:
        return {
            "export_at": drawn_at(self._button),
            "export_dialog": self._dialog.rect(),
            "exported": self.status,
            "format": self.format,
        }


def _write(shared: Shared, name: str, target: Path, selection: Selection) -> str:
    data = FORMATS[name].render(shared.store, selection, shared.symbols)
    target.write_bytes(data)
    return f"Exported {name} to {target} ({len(data):,} bytes)"
