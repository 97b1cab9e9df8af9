"""Filtered tables in the real window under X show exactly the matching rows."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from devfiler.ui.log_rows import LEVEL_CHOICES
from tests.ui.conftest import FilledStore
from tests.ui.test_window import Window, open_window

pytestmark = pytest.mark.gui


def type_into(window: Window, at: list[float], text: str) -> None:
    window.click(at[0] + 20, at[1] + 8)
    window.xdotool("type", "--delay", "40", text)


def test_filtered_top_functions_keep_no_old_rows(filled_store: FilledStore, tmp_path: Path) -> None:
    args = (*filled_store.range_args(), "--no-auto-symbols", "--tab", "topfuncs")
    with open_window(filled_store, tmp_path, *args) as window:
        before: Any = window.state()["topfuncs"]
        assert before["row_items"] == before["rows"] > 20
        # The heaviest function's name matches it and a few others at most.
        name = before["first"]
        type_into(window, before["filter_at"], name)
        narrowed: Any = window.wait_for(
            lambda s: s["topfuncs"]["filter"] == name and s["settled"], "the filter applied"
        )
        shown = narrowed["topfuncs"]
        assert 0 < shown["rows"] < before["rows"]
        assert shown["row_items"] == shown["rows"]


def test_filtered_executables_keep_no_old_rows(filled_store: FilledStore, tmp_path: Path) -> None:
    args = (*filled_store.range_args(), "--no-auto-symbols", "--tab", "executables")
    with open_window(filled_store, tmp_path, *args) as window:
        before: Any = window.wait_for(lambda s: s["executables"]["filter_at"], "filter drawn")
        listed = before["executables"]
        assert listed["row_items"] == listed["matching"] == listed["executables"] > 5
        type_into(window, listed["filter_at"], "libc.so")
        narrowed: Any = window.wait_for(
            lambda s: s["executables"]["filter"] == "libc.so", "the filter applied"
        )
        shown = narrowed["executables"]
        assert 0 < shown["matching"] < listed["executables"]
        assert shown["row_items"] == shown["matching"]


def choose_level(window: Window, at: list[float], index: int) -> None:
    """Open the level combo and click its `index`th choice (rows 19 pixels apart below it)."""
    window.click(at[0] + 40, at[1] + 8)
    time.sleep(0.3)
    window.click(at[0] + 40, at[1] + 33 + 19 * index)


def test_log_level_filter_shows_only_matching_records(
    filled_store: FilledStore, tmp_path: Path
) -> None:
    args = (*filled_store.range_args(), "--no-auto-symbols", "--tab", "log")
    with open_window(filled_store, tmp_path, *args) as window:
        before: Any = window.wait_for(lambda s: s["log"]["level_at"] and s["settled"], "log drawn")
        info = before["log"]
        assert info["level"] == "Info" and info["rows"] == info["row_items"] > 0
        choose_level(window, info["level_at"], list(LEVEL_CHOICES).index("Debug"))
        debug: Any = window.wait_for(
            lambda s: s["log"]["level"] == "Debug" and s["settled"], "debug records listed"
        )
        assert debug["log"]["rows"] == debug["log"]["row_items"] >= info["rows"]
        choose_level(window, info["level_at"], list(LEVEL_CHOICES).index("Warning"))
        warning: Any = window.wait_for(
            lambda s: s["log"]["level"] == "Warning" and s["settled"], "warnings listed"
        )
        assert warning["log"]["rows"] == warning["log"]["row_items"] < info["rows"]
