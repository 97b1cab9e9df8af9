"""Weights per source line of a function, and the local source file behind them."""

from __future__ import annotations

from pathlib import Path

import pytest

from devfiler.analysis.results import Selection
from devfiler.analysis.shape import load_shaped
from devfiler.analysis.source_lines import (
    LineWeight,
    function_lines,
    local_path,
    parse_source_roots,
    read_source,
)
from tests.analysis.stores import SHAPED_EVENTS, make_store


def test_lines_count_recursion_once_and_self_at_the_leaf(tmp_path: Path) -> None:
    with make_store(tmp_path, SHAPED_EVENTS) as store:
        profile = load_shaped(store, Selection(), None)
    walk = function_lines(profile, "walk")
    assert walk.lines == (LineWeight("tree.py", 20, 0, 2), LineWeight("tree.py", 22, 0, 1))
    assert walk.total == 4 and walk.files == ("tree.py",)
    assert function_lines(profile, "leaf").lines == (LineWeight("tree.py", 30, 3, 3),)
    assert function_lines(profile, "nothing").lines == ()


def test_source_roots_map_recorded_paths(tmp_path: Path) -> None:
    roots = parse_source_roots(["/build/src=" + str(tmp_path), "/other=/x"])
    assert local_path("/build/src/a/b.c", roots) == f"{tmp_path}/a/b.c"
    assert local_path("/elsewhere/b.c", roots) == "/elsewhere/b.c"
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b.c").write_text("int main(void)\n{\n}\n")
    found = read_source("/build/src/a/b.c", roots)
    assert found.text == ("int main(void)", "{", "}") and not found.problem
    missing = read_source("/build/src/gone.c", roots)
    assert missing.text == () and f"cannot read {tmp_path}/gone.c" in missing.problem
    (tmp_path / "blob").write_bytes(b"\x7fELF\0\0")
    assert "not a text file" in read_source(str(tmp_path / "blob"), ()).problem
    with pytest.raises(ValueError, match="is not OLD=NEW"):
        parse_source_roots(["nothing"])
