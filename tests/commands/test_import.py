"""`devfiler import`: one line per stored file, refusals on stderr, the others still stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from devfiler import cli
from devfiler.config import data_paths
from devfiler.storage.store import Store


def test_stores_good_files_and_refuses_bad_ones(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("main;entry;work 3\nworker;entry 2\n")
    (folder / "b.txt").write_text("cron;tick 4\n")
    bad = tmp_path / "bad.pb"
    bad.write_bytes(b"\x00\x01 not a profile")
    data = str(tmp_path / "data")
    assert cli.main(["import", str(folder), str(bad), "--data-dir", data]) == 1
    out, err = capsys.readouterr()
    assert out == (
        f"{folder / 'a.txt'}: collapsed stacks, stored 5 events\n"
        f"{folder / 'b.txt'}: collapsed stacks, stored 4 events\n"
    )
    assert f"devfiler import: refused {bad}: not a profile devfiler reads" in err
    assert cli.main(["query", "traces", "--data-dir", data]) == 0
    assert capsys.readouterr().out == "cron;tick 4\nmain;entry;work 3\nworker;entry 2\n"


def test_a_store_in_use_is_said(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "s.txt").write_text("main;f 1\n")
    with Store.open(data_paths(tmp_path / "data")):
        code = cli.main(["import", str(tmp_path / "s.txt"), "--data-dir", str(tmp_path / "data")])
    assert code == 2
    assert "in use by another devfiler process" in capsys.readouterr().err
