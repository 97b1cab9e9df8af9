"""The stack shape flags of `query` and `export`: the saved ignore list, --ignore, --cut-at,
--no-ignore, --merge-recursion and --focus, through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from devfiler import cli
from devfiler.analysis.ignore_file import IgnoreList, read_ignore_list, write_ignore_list
from devfiler.analysis.shape_options import IgnoreAction, IgnoreRule
from tests.analysis.stores import SHAPED_EVENTS, make_store


@pytest.fixture
def data_dir(tmp_path: Path) -> str:
    make_store(tmp_path / "data", SHAPED_EVENTS).close()
    return str(tmp_path / "data")


def traces(capsys: pytest.CaptureFixture[str], data_dir: str, *flags: str) -> dict[str, int]:
    """`query traces` as {stack of function names: weight}."""
    assert cli.main(["query", "traces", "--data-dir", data_dir, *flags]) == 0
    out = capsys.readouterr().out
    found: dict[str, int] = {}
    for line in out.splitlines():
        text, _, weight = line.rpartition(" ")
        found[";".join(part.split(" (")[0] for part in text.split(";"))] = int(weight)
    return found


def test_ignore_and_cut_flags(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    assert traces(capsys, data_dir, "--ignore", "^wrap", "--cut-at", "^walk$") == {
        "main;main;serve;walk": 2,
        "worker;main;serve": 1,
        "worker;main;leaf": 1,
    }


def test_the_saved_list_applies_unless_no_ignore(
    capsys: pytest.CaptureFixture[str], data_dir: str, config_folder: Path
) -> None:
    saved = IgnoreList((IgnoreRule("serve", IgnoreAction.CUT),))
    write_ignore_list(config_folder / "ignore.json", saved)
    assert traces(capsys, data_dir) == {
        "main;main;serve": 2,
        "worker;main;serve": 1,
        "worker;main;leaf": 1,
    }
    assert traces(capsys, data_dir, "--no-ignore")["worker;main;serve;wrapper"] == 1
    write_ignore_list(config_folder / "ignore.json", IgnoreList(saved.rules, enabled=False))
    assert "main;main;serve;wrapper;walk;leaf" in traces(capsys, data_dir)


def test_merge_recursion_and_focus(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    assert traces(capsys, data_dir, "--merge-recursion", "--focus", "walk") == {"main;walk;leaf": 2}


def test_flamegraph_orientation(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    base = ["query", "flamegraph", "--data-dir", data_dir, "--min-pct", "0"]
    assert cli.main([*base, "--icicle"]) == 0
    icicle = capsys.readouterr().out.splitlines()
    assert cli.main([*base, "--flame"]) == 0
    flame = capsys.readouterr().out.splitlines()
    assert icicle[0].endswith("100% of all samples") and len(icicle) > 5
    assert flame == icicle[::-1]


def test_export_applies_the_shape(
    capsys: pytest.CaptureFixture[str], data_dir: str, tmp_path: Path
) -> None:
    out = tmp_path / "out.speedscope.json"
    flags = ["--data-dir", data_dir, "--focus", "walk", "--ignore", "leaf"]
    assert cli.main(["export", "speedscope", "-o", str(out), *flags]) == 0
    doc = json.loads(out.read_text())
    names = {frame["name"] for frame in doc["shared"]["frames"]}
    assert "walk" in {name.split(" ")[0] for name in names}
    weights = sum(sum(profile["weights"]) for profile in doc["profiles"])
    assert weights == 2, "only the two stacks through walk"
    assert cli.main(["export", "collapsed", *flags]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(";walk" in line and "leaf" not in line for line in lines)


def test_bad_patterns_and_a_malformed_saved_list_are_clear_errors(
    data_dir: str, config_folder: Path
) -> None:
    def query(*flags: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "devfiler.cli", "query", "top", "--data-dir", data_dir, *flags],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    refused = query("--ignore", "(unclosed")
    assert refused.returncode == 2
    assert "bad ignore pattern '(unclosed'" in refused.stderr
    config_folder.mkdir()
    saved = config_folder / "ignore.json"
    saved.write_text('{"rules": [{"pattern": "x"}, ')
    broken = query()
    assert broken.returncode == 2
    assert f"the ignore list {saved} is malformed" in broken.stderr
    assert saved.read_text() == '{"rules": [{"pattern": "x"}, ', "the file was left alone"
    assert query("--no-ignore").returncode == 0
    with pytest.raises(ValueError, match="malformed"):
        read_ignore_list(saved)
