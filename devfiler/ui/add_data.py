"""The "Add data" window: how to point an agent at devfiler (text in resources/add_data.txt)."""

from __future__ import annotations

from importlib.resources import files

import dearpygui.dearpygui as dpg

from devfiler.ui.centered_window import centered, is_shown

WIDTH = 640
HEIGHT = 520


TLS_NOTE = (
    "\ndevfiler serves TLS (--tls-cert): the agent runs without -disable-tls, and\n"
    "its host must trust devfiler's certificate.\n"
)


def add_data_text(tls: bool = False) -> str:
    """The instructions; with `tls` the agent commands drop -disable-tls."""
    text = files("devfiler.resources").joinpath("add_data.txt").read_text(encoding="utf-8")
    return text.replace(" -disable-tls", "") + TLS_NOTE if tls else text


class AddDataWindow:
    """A closable window; the shell shows it by itself while the store is empty."""

    def __init__(self, tls: bool = False) -> None:
        self._tls = tls
        self.window: int | str = 0

    def build(self, viewport_width: int, viewport_height: int) -> None:
        with centered("Add data", (WIDTH, HEIGHT), (viewport_width, viewport_height)) as window:
            self.window = window
            dpg.add_text(add_data_text(self._tls))

    @property
    def shown(self) -> bool:
        return is_shown(self.window)

    def show(self, on: bool) -> None:
        dpg.configure_item(self.window, show=on)
        if on:
            dpg.focus_item(self.window)
