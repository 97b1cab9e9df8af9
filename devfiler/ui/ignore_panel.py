"""The "Ignore list" panel: the regular expressions of frames to hide or to cut at.

Every change is saved at once to the file in the user config folder that
`query` and `export` read too (analysis/ignore_file.py); F2 switches the
whole list off and on. A saved file that cannot be parsed is named in the
panel and never overwritten: the panel then edits nothing until it is fixed
or removed, so a hand edit gone wrong loses nothing.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import dearpygui.dearpygui as dpg

from devfiler.analysis.ignore_file import IgnoreList, read_ignore_list, write_ignore_list
from devfiler.analysis.shape_options import IgnoreAction, IgnoreRule
from devfiler.ui import theme
from devfiler.ui.centered_window import is_shown
from devfiler.ui.drawn import drawn_at

WIDTH = 520
HEIGHT = 320
ERROR_COLOUR = (240, 110, 100)
ACTIONS = {
    "hide (merge into caller)": IgnoreAction.HIDE,
    "cut (drop what it calls)": IgnoreAction.CUT,
}


class IgnorePanel:
    """A closable window over the saved list; the shell reads `active` every frame."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ignore = IgnoreList()
        self.error = ""
        self._readable = True
        try:
            self.ignore = read_ignore_list(path)
        except ValueError as problem:
            self.error = str(problem)
            self._readable = False
        self.window: int | str = 0
        self._enabled: int | str = 0
        self._rows: int | str = 0
        self._pattern: int | str = 0
        self._action: int | str = 0
        self._add_button: int | str = 0
        self._error: int | str = 0
        self._remove_buttons: list[int | str] = []
        self._rows_for: IgnoreList | None = None

    @property
    def active(self) -> tuple[IgnoreRule, ...]:
        return self.ignore.active

    def build(self, viewport_width: int) -> None:
        with dpg.window(
            label="Ignore list",
            width=WIDTH,
            height=HEIGHT,
            pos=(viewport_width - WIDTH - 40, 60),
            show=False,
            no_collapse=True,
        ) as self.window:
            self._enabled = dpg.add_checkbox(
                label="Apply the ignore list (F2)",
                default_value=self.ignore.enabled,
                callback=self.toggle,
            )
            dpg.add_text(
                "Regular expressions, searched in each frame's function and label.",
                color=theme.TEXT_DIM,
            )
            with dpg.group(horizontal=True):
                self._pattern = dpg.add_input_text(
                    hint="regular expression ...", width=220, on_enter=True, callback=self._add
                )
                self._action = dpg.add_combo(
                    list(ACTIONS), default_value=next(iter(ACTIONS)), width=190
                )
                self._add_button = dpg.add_button(label="Add", callback=self._add)
            self._error = dpg.add_text("", color=ERROR_COLOUR, wrap=WIDTH - 20)
            self._rows = dpg.add_group()

    @property
    def shown(self) -> bool:
        return is_shown(self.window)

    def show(self, on: bool) -> None:
        dpg.configure_item(self.window, show=on)
        if on:
            dpg.focus_item(self.window)

    def toggle(self) -> None:
        """Switch the whole list off or on (F2, or the checkbox)."""
        self._change(dataclasses.replace(self.ignore, enabled=not self.ignore.enabled))

    def _add(self) -> None:
        action = ACTIONS[str(dpg.get_value(self._action))]
        try:
            rule = IgnoreRule(str(dpg.get_value(self._pattern)), action)
        except ValueError as problem:
            self._say(str(problem))
            return
        if self._change(dataclasses.replace(self.ignore, rules=(*self.ignore.rules, rule))):
            dpg.set_value(self._pattern, "")

    def _remove(self, sender: int | str, app_data: object, index: int) -> None:
        rules = self.ignore.rules[:index] + self.ignore.rules[index + 1 :]
        self._change(dataclasses.replace(self.ignore, rules=rules))

    def _change(self, wanted: IgnoreList) -> bool:
        """Save and apply `wanted`; False (and why, in the panel) when it cannot be saved."""
        if not self._readable:
            self._say(f"{self.error} (nothing is changed until then)")
            return False
        try:
            write_ignore_list(self.path, wanted)
        except OSError as problem:
            self._say(f"cannot save the ignore list {self.path}: {problem.strerror}")
            return False
        self.ignore = wanted
        self._say("")
        return True

    def _say(self, text: str) -> None:
        self.error = text
        dpg.set_value(self._error, text)

    def update(self) -> None:
        """Rows are made anew only when the list changed."""
        dpg.set_value(self._enabled, self.ignore.enabled)
        if self._rows_for == self.ignore:
            return
        self._rows_for = self.ignore
        dpg.set_value(self._error, self.error)
        dpg.delete_item(self._rows, children_only=True)
        self._remove_buttons = []
        for index, rule in enumerate(self.ignore.rules):
            with dpg.group(horizontal=True, parent=self._rows):
                self._remove_buttons.append(
                    dpg.add_button(label="Remove", callback=self._remove, user_data=index)
                )
                dpg.add_text(f"{rule.action.value:4}  {rule.pattern}")

    def state(self) -> dict[str, object]:
        """The list and where to click, for automation."""
        return {
            "shown": self.shown,
            "enabled": self.ignore.enabled,
            "rules": [[rule.pattern, rule.action.value] for rule in self.ignore.rules],
            "error": self.error,
            "pattern_at": drawn_at(self._pattern),
            "action_at": drawn_at(self._action),
            "add_at": drawn_at(self._add_button),
            "remove_at": [drawn_at(item) for item in self._remove_buttons],
        }
