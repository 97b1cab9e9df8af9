"""The saved view: one file per data folder, read back whole; a damaged one is set aside."""

from __future__ import annotations

from pathlib import Path

from devfiler.ui.context_filters import FilterList
from devfiler.ui.view_state import (
    ViewState,
    read_view_state,
    view_state_path,
    write_view_state,
)


def test_round_trip_per_data_folder(tmp_path: Path, config_folder: Path) -> None:
    first, second = view_state_path(tmp_path / "a"), view_state_path(tmp_path / "b")
    assert first != second and first.parent == config_folder / "views"
    assert view_state_path(tmp_path / "a" / ".." / "a") == first
    assert read_view_state(first) == ViewState()
    filters = FilterList().added("thread", "main", exclude=False).added("pid", "7", exclude=True)
    state = ViewState(
        tab="topfuncs",
        kind="Off CPU",
        filters=filters,
        inline=False,
        merge_recursion=True,
        focus="walk",
        tabs={"flamegraph": {"icicle": False, "zoom": ["root", "thread:main"]}},
    )
    write_view_state(first, state)
    assert read_view_state(first) == state
    assert read_view_state(second) == ViewState()


def test_a_malformed_file_is_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "view.json"
    for text in ("{oops", '{"filters": [["colour", "red", false]]}', '{"tabs": {"x": 1}}'):
        path.write_text(text)
        assert read_view_state(path) == ViewState()
        assert not path.exists() and path.with_suffix(".bad").read_text() == text
