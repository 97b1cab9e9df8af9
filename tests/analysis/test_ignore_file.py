"""The saved ignore list: written and read back whole; a damaged file is reported, not lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from devfiler.analysis.ignore_file import (
    IgnoreList,
    ignore_path,
    read_ignore_list,
    write_ignore_list,
)
from devfiler.analysis.shape_options import IgnoreAction, IgnoreRule


def test_round_trip_in_the_config_folder(config_folder: Path) -> None:
    assert ignore_path() == config_folder / "ignore.json"
    assert read_ignore_list(ignore_path()) == IgnoreList()
    saved = IgnoreList((IgnoreRule("^std::"), IgnoreRule("gc", IgnoreAction.CUT)), enabled=False)
    write_ignore_list(ignore_path(), saved)
    assert read_ignore_list(ignore_path()) == saved
    assert saved.active == ()
    assert IgnoreList(saved.rules).active == saved.rules
    assert [p.name for p in config_folder.iterdir()] == ["ignore.json"]


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"rules": [{"action": "hide"}]}',
        '{"rules": [{"pattern": "(", "action": "hide"}]}',
        '{"rules": [{"pattern": "x", "action": "explode"}]}',
        '["rules"]',
    ],
)
def test_malformed_files_are_named_in_the_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "ignore.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=f"the ignore list {path} is malformed"):
        read_ignore_list(path)
    assert path.read_text() == text
