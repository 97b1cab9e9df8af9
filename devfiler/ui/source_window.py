"""The source view: a function's file with self and total weight per line in the gutter.

Alt+click on a flamegraph box asks for it (Shared.request_source). The
weights come from the shared profile of the current selection
(analysis/source_lines.py), the text from the file on this machine, with
the window's `--source-root OLD=NEW` mapping; a file that is not here is
named with the reason and its weighted lines are still listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import dearpygui.dearpygui as dpg

from devfiler.analysis.source_lines import FunctionLines, SourceFile, function_lines, read_source
from devfiler.export.source_doc import ShownLine, file_heading, shown_lines
from devfiler.export.text import weight_text
from devfiler.ui.centered_window import centered, is_shown
from devfiler.ui.tabs import Shared
from devfiler.ui.text_table import Column, TextTable
from devfiler.ui.theme import TEXT, TEXT_DIM

WIDTH = 1000
HEIGHT = 620
SLOT = "source"
HOT = (240, 190, 80)
COLUMNS = (Column("Self", 90), Column("Total", 90), Column("Line", 60), Column("Source", 1.0, True))


@dataclass(frozen=True, slots=True)
class SourceView:
    """A function's weights and, per file it spans, the file and the rows to show."""

    lines: FunctionLines
    files: tuple[tuple[SourceFile, tuple[ShownLine, ...]], ...]


def source_view(lines: FunctionLines, roots: Sequence[tuple[str, str]]) -> SourceView:
    """Every file of the function read once, each shown whole."""
    files = []
    for file in lines.files:
        text = read_source(file, roots)
        weights = [row for row in lines.lines if row.file == file]
        files.append((text, shown_lines(weights, text, whole=True)))
    return SourceView(lines, tuple(files))


class SourceWindow:
    """A closable window; `open` shows one function's source."""

    def __init__(self, roots: Sequence[tuple[str, str]] = ()) -> None:
        self.roots = tuple(roots)
        self.function: str | None = None
        self.view: SourceView | None = None
        self.window: int | str = 0
        self._header: int | str = 0
        self._table = TextTable(COLUMNS)
        self._key: object = None

    def build(self, viewport_width: int, viewport_height: int) -> None:
        with centered("Source", (WIDTH, HEIGHT), (viewport_width, viewport_height)) as window:
            self.window = window
            self._header = dpg.add_text("", wrap=WIDTH - 20)
            self._table.build(self.window)

    @property
    def shown(self) -> bool:
        return is_shown(self.window)

    def open(self, function: str) -> None:
        self.function = function
        self.view = None
        dpg.configure_item(self.window, show=True, label=f"Source of {function}")
        dpg.set_value(self._header, "reading ...")
        self._table.show([])
        dpg.focus_item(self.window)

    def key(self, shared: Shared) -> object:
        return (SLOT, shared.selection, shared.change, self.function)

    def update(self, shared: Shared) -> None:
        function = self.function
        if function is None or not self.shown:
            return
        profiles, selection, change, roots = (
            shared.profiles,
            shared.selection,
            shared.change,
            self.roots,
        )
        outcome = shared.work.request(
            SLOT,
            self.key(shared),
            lambda: source_view(function_lines(profiles.get(selection, change), function), roots),
        )
        if outcome is None or outcome.key == self._key or outcome.key != self.key(shared):
            return
        self._key = outcome.key
        if outcome.value is None:
            dpg.set_value(self._header, outcome.error or "")
            return
        self.view = outcome.value
        self._show(outcome.value)

    def _show(self, view: SourceView) -> None:
        unit = view.lines.unit
        header: list[str] = []
        rows: list[tuple[str, ...]] = []
        colours = []
        for source, shown in view.files:
            header.append(file_heading(source))
            rows.append(("", "", "", f"--- {source.recorded}"))
            colours.append(TEXT_DIM)
            for row in shown:
                rows.append(
                    (
                        weight_text(row.self_weight, unit) if row.self_weight else "",
                        weight_text(row.total_weight, unit) if row.total_weight else "",
                        str(row.line),
                        row.text,
                    )
                )
                colours.append(HOT if row.total_weight else TEXT)
        if not view.files:
            header.append(f"No line information for {view.lines.function}.")
        dpg.set_value(self._header, "\n".join(header))
        self._table.show(rows, colours)

    def settled(self, shared: Shared) -> bool:
        return not self.shown or self._key == self.key(shared)

    def state(self) -> dict[str, object]:
        """What automation checks: the function, the header and the weighted lines."""
        weighted = []
        if self.view is not None:
            weighted = [
                [source.recorded, row.line, row.self_weight, row.total_weight, row.text]
                for source, shown in self.view.files
                for row in shown
                if row.total_weight
            ]
        return {
            "shown": self.shown,
            "function": self.function,
            "header": str(dpg.get_value(self._header)),
            "weighted": weighted,
            "row_items": self._table.row_items,
        }
