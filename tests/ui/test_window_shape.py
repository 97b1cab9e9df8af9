"""Ignore list, merged recursion, icicle/flame and focus in the real window under X."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import FilledStore
from tests.ui.test_window import Window, open_window
from tests.ui.test_window_flamegraph import quiet

pytestmark = pytest.mark.gui
ROW = 18


def flame(state: Any) -> Any:
    return state["flamegraph"]


def drawn(window: Window, what: str) -> Any:
    return window.wait_for(lambda s: s["settled"] and flame(s)["nodes"] > 1, what)


def click_at(window: Window, at: list[float], dx: float = 6, dy: float = 6) -> None:
    window.click(at[0] + dx, at[1] + dy)


def press_f2(window: Window) -> None:
    """F2 goes to the focused window: a click on the title text gives it the focus first."""
    tx, ty = window.state()["title_at"]
    window.click(tx + 10, ty + 6)
    window.xdotool("key", "F2")


def test_ignore_list_is_edited_toggled_with_f2_and_kept(
    filled_store: FilledStore, tmp_path: Path, config_folder: Path
) -> None:
    with open_window(filled_store, tmp_path, *quiet(filled_store)) as window:
        plain = drawn(window, "the plain flamegraph")
        assert plain["ignore"]["rules"] == [] and plain["ignore"]["enabled"]
        click_at(window, plain["ignore_button_at"])
        opened = window.wait_for(lambda s: s["ignore"]["pattern_at"], "the ignore panel")
        click_at(window, opened["ignore"]["pattern_at"], dx=20)
        window.xdotool("type", "--delay", "40", "^lib")
        window.xdotool("key", "Return")
        hidden = window.wait_for(
            lambda s: s["shape"]["ignore"] == 1 and s["settled"], "the rule applied"
        )
        assert hidden["ignore"]["rules"] == [["^lib", "hide"]]
        assert flame(hidden)["total"] == flame(plain)["total"], "hiding keeps every sample"
        assert flame(hidden)["nodes"] < flame(plain)["nodes"]
        saved = json.loads((config_folder / "ignore.json").read_text())
        assert saved == {"enabled": True, "rules": [{"pattern": "^lib", "action": "hide"}]}

        click_at(window, hidden["ignore"]["pattern_at"], dx=20)
        window.xdotool("type", "--delay", "40", "(unclosed")
        click_at(window, hidden["ignore"]["add_at"])
        refused = window.wait_for(lambda s: s["ignore"]["error"], "the bad pattern refused")
        assert "bad ignore pattern '(unclosed'" in refused["ignore"]["error"]
        assert refused["ignore"]["rules"] == [["^lib", "hide"]]

        press_f2(window)
        off = window.wait_for(
            lambda s: not s["ignore"]["enabled"] and s["settled"], "the list switched off"
        )
        assert off["shape"]["ignore"] == 0
        assert flame(off)["nodes"] == flame(plain)["nodes"]
    assert json.loads((config_folder / "ignore.json").read_text())["enabled"] is False

    with open_window(filled_store, tmp_path, *quiet(filled_store)) as window:
        again = drawn(window, "the window opened again")
        assert again["ignore"]["rules"] == [["^lib", "hide"]] and not again["ignore"]["enabled"]
        press_f2(window)
        on = window.wait_for(lambda s: s["shape"]["ignore"] == 1 and s["settled"], "on again")
        assert flame(on)["nodes"] == flame(hidden)["nodes"]


def test_a_malformed_saved_list_is_named_and_left_alone(
    filled_store: FilledStore, tmp_path: Path, config_folder: Path
) -> None:
    config_folder.mkdir()
    saved = config_folder / "ignore.json"
    saved.write_text("{not json")
    with open_window(filled_store, tmp_path, *quiet(filled_store)) as window:
        shown = drawn(window, "the flamegraph without a list")
        assert f"the ignore list {saved} is malformed" in shown["ignore"]["error"]
        press_f2(window)
        refused = window.wait_for(
            lambda s: "nothing is changed" in s["ignore"]["error"], "the toggle refused"
        )
        assert refused["shape"]["ignore"] == 0
    assert saved.read_text() == "{not json"


def test_merge_recursion_icicle_and_focus(filled_store: FilledStore, tmp_path: Path) -> None:
    with open_window(filled_store, tmp_path, *quiet(filled_store)) as window:
        plain = drawn(window, "the plain flamegraph")
        assert flame(plain)["icicle"] and flame(plain)["rows"][0] == 0

        click_at(window, flame(plain)["merge_at"])
        merged = window.wait_for(
            lambda s: s["shape"]["merge_recursion"] and s["settled"], "recursion merged"
        )
        assert flame(merged)["nodes"] <= flame(plain)["nodes"]
        assert flame(merged)["total"] == flame(plain)["total"]

        click_at(window, flame(plain)["icicle_at"])
        upside = window.wait_for(
            lambda s: not flame(s)["icicle"] and s["settled"], "drawn as a flame"
        )
        low, high = flame(upside)["rows"]
        assert high == 0 and low < 0, "the root is the bottom row"
        click_at(window, flame(plain)["icicle_at"])
        window.wait_for(lambda s: flame(s)["icicle"] and s["settled"], "an icicle again")

        left, top, _, _ = flame(plain)["area"]
        # Row 2 is the busiest thread's outermost frame.
        window.xdotool("keydown", "shift")
        window.click(left + 5, top + 2 * ROW + 9)
        window.xdotool("keyup", "shift")
        focused = window.wait_for(
            lambda s: s["shape"]["focus"] and s["settled"] and flame(s)["focus_button_at"],
            "focused on a function",
        )
        assert flame(focused)["total"] < flame(plain)["total"]
        assert flame(focused)["status"] == f"Focused on {focused['shape']['focus']}"
        click_at(window, flame(focused)["focus_button_at"])
        back = window.wait_for(
            lambda s: s["shape"]["focus"] is None and s["settled"], "focus cleared"
        )
        assert flame(back)["total"] == flame(plain)["total"]
