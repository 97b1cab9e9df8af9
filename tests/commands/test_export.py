"""`devfiler export`: the command line writes what the formats render, with query's flags."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from devfiler import cli
from devfiler.export.pprof_messages import Profile
from tests.export.profiles import named_store


@pytest.fixture
def data_dir(tmp_path: Path) -> str:
    named_store(tmp_path / "data").close()
    return str(tmp_path / "data")


def test_collapsed_is_what_query_traces_prints(
    capsys: pytest.CaptureFixture[str], data_dir: str
) -> None:
    flags = ["--kind", "on_cpu", "--thread", "!cron", "--data-dir", data_dir]
    assert cli.main(["export", "collapsed", *flags]) == 0
    exported = capsys.readouterr().out
    assert cli.main(["query", "traces", "--collapsed", *flags]) == 0
    assert exported == capsys.readouterr().out
    assert exported.startswith("main;")
    assert "cron" not in exported


def test_pprof_and_speedscope_to_files(
    capsys: pytest.CaptureFixture[str], data_dir: str, tmp_path: Path
) -> None:
    pprof = tmp_path / "out.pb.gz"
    assert cli.main(["export", "pprof", "-o", str(pprof), "--data-dir", data_dir]) == 0
    assert f"wrote {pprof} (pprof" in capsys.readouterr().err
    profile = Profile.FromString(gzip.decompress(pprof.read_bytes()))
    assert sum(sample.value[0] for sample in profile.sample) == 60
    speedscope = tmp_path / "out.json"
    flags = ["--kind", "off_cpu", "--pid", "200", "--data-dir", data_dir]
    assert cli.main(["export", "speedscope", "-o", str(speedscope), *flags]) == 0
    document = json.loads(speedscope.read_text())
    assert [p["name"] for p in document["profiles"]] == ["cron"]


def test_bad_flags_are_refused_and_write_nothing(
    capsys: pytest.CaptureFixture[str], data_dir: str, tmp_path: Path
) -> None:
    out = tmp_path / "never.pb.gz"
    argv = ["export", "pprof", "-o", str(out), "--start", "2024-01-02", "--end", "2024-01-01"]
    assert cli.main([*argv, "--data-dir", data_dir]) == 2
    assert "--end must be after --start" in capsys.readouterr().err
    assert cli.main(["export", "pprof", "-o", str(out), "--data-dir", str(tmp_path / "none")]) == 2
    assert "no devfiler data" in capsys.readouterr().err
    assert not out.exists()
