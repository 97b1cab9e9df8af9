"""The source view in the real window: Alt+click a frame with file:line information."""

from __future__ import annotations

from pathlib import Path

import pytest

from devfiler.config import data_paths
from devfiler.storage.store import Store
from tests.analysis.stores import SHAPED_EVENTS, T0, batch_of
from tests.ui.conftest import FilledStore
from tests.ui.test_window import open_window

pytestmark = pytest.mark.gui
ROW = 18


def test_alt_click_shows_the_source_with_weights_per_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store.open(data_paths(data)) as store:
        store.write(batch_of(SHAPED_EVENTS))
    source = tmp_path / "src" / "tree.py"
    source.parent.mkdir()
    source.write_text("".join(f"# line {n}\n" for n in range(1, 41)))
    shown = FilledStore(data, T0, T0 + 10)
    args = (
        *shown.range_args(),
        "--retention",
        "off",
        "--no-auto-symbols",
        "--source-root",
        f"tree.py={source}",
    )
    with open_window(shown, tmp_path, *args) as window:
        first = window.wait_for(
            lambda s: s["flamegraph"]["nodes"] > 3 and s["flamegraph"]["filter_at"], "the graph"
        )
        fx, fy = first["flamegraph"]["filter_at"]
        window.click(fx + 20, fy + 8)
        window.xdotool("type", "--delay", "40", "walk")
        window.xdotool("key", "Return")
        window.wait_for(lambda s: s["flamegraph"]["counter"].startswith("1/"), "the first walk")
        left, top, width, _ = first["flamegraph"]["area"]
        # main > main > serve > wrapper > walk: the zoomed walk box fills row 5.
        window.xdotool(
            "mousemove",
            "--window",
            window.window_id,
            str(left + width // 2),
            str(top + 5 * ROW + 9),
        )
        window.xdotool("keydown", "alt")
        window.xdotool("click", "1")
        window.xdotool("keyup", "alt")
        opened = window.wait_for(
            lambda s: s["source"]["shown"] and s["source"]["weighted"] and s["settled"],
            "the source view",
        )["source"]
    assert opened["function"] == "walk"
    assert opened["header"] == f"tree.py (read from {source})"
    assert opened["weighted"] == [
        ["tree.py", 20, 0, 2, "# line 20"],
        ["tree.py", 22, 0, 1, "# line 22"],
    ]
    assert opened["row_items"] == 41, "a heading and every line of the file"
