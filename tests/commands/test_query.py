"""`devfiler query`: JSON shapes and text output end to end over a real store."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from elftools.elf.elffile import ELFFile

from devfiler import cli
from devfiler.config import data_paths
from devfiler.model import Executable, Frame, FrameId, FrameKind, SampleKind
from devfiler.storage.store import Store
from devfiler.symbolize.formats.fileid import file_id_of_path
from devfiler.symbolize.store.ingest import ingest_file
from devfiler.symbolize.store.symbol_store import SymbolStore
from tests.analysis.stores import (
    MAIN,
    RECURSION,
    S1,
    S2,
    SECOND,
    SHAPED_EVENTS,
    T0,
    WORKER,
    Event,
    batch_of,
    make_store,
)

EVENTS = [
    Event(T0, S1, MAIN),
    Event(T0 + 1, S1, MAIN),
    Event(T0 + 2, S2, WORKER),
    Event(T0 + 10 * SECOND, RECURSION, MAIN),
    Event(T0 + 3, S2, MAIN, SampleKind.OFF_CPU, 5000),
]


@pytest.fixture
def data_dir(tmp_path: Path) -> str:
    make_store(tmp_path, EVENTS).close()
    return str(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`devfiler query ARGV` through the real command line, in this process."""
    code = cli.main(["query", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_stats_json(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    assert run_json(capsys, "stats", "--data-dir", data_dir) == {
        "events": {"on_cpu": 4, "off_cpu": 1, "uprobe": 0, "unknown": 0},
        "weight": {"on_cpu": 4, "off_cpu_ns": 5000, "uprobe": 0, "unknown": 0},
        "traces": 3,
        "frames": 4,
        "executables": 2,
        "first_ts": T0,
        "last_ts": T0 + 10 * SECOND,
    }


def test_traces_collapsed(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    code, out, _ = run(capsys, "traces", "--collapsed", "--kind", "on_cpu", "--data-dir", data_dir)
    assert code == 0
    assert out == (
        "main;app+0x100;app+0x200;libc.so.6+0x300 2\n"
        "main;app+0x100;app+0x200;app+0x210 1\n"
        "worker;app+0x100;app+0x200 1\n"
    )
    code, out, _ = run(
        capsys, "flamegraph", "--collapsed", "--kind", "off_cpu", "--data-dir", data_dir
    )
    assert out == "main;app+0x100;app+0x200 5000\n"


def test_time_range_and_filters(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    doc = run_json(
        capsys,
        "traces",
        "--start", str(T0),
        "--end", "2023-11-14T22:13:21Z",
        "--thread", "!worker",
        "--data-dir", data_dir,
    )  # fmt: skip
    assert doc["start"] == T0 and doc["end"] == T0 + SECOND
    assert doc["lines"] == [
        ["main;app+0x100;app+0x200;libc.so.6+0x300", 2],
        ["main;app+0x100;app+0x200", 1],
    ]
    only = run_json(capsys, "traces", "--thread", "worker", "--pid", "100", "--data-dir", data_dir)
    assert only["lines"] == [["worker;app+0x100;app+0x200", 1]]


def test_flamegraph_json(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    doc = run_json(capsys, "flamegraph", "--kind", "off_cpu", "--data-dir", data_dir)
    assert (doc["unit"], doc["start"], doc["end"]) == ("nanoseconds", T0 + 3, T0 + 4)
    root = doc["root"]
    assert {k: root[k] for k in ("label", "kind", "weight", "self")} == {
        "label": "100% of all off-CPU time",
        "kind": "root",
        "weight": 5000,
        "self": 0,
    }
    thread = root["children"][0]
    assert (thread["label"], thread["kind"]) == ("main", "thread")
    frame = thread["children"][0]
    assert {k: frame[k] for k in ("label", "kind", "weight", "self", "file_id", "address")} == {
        "label": "app+0x100",
        "kind": "native",
        "weight": 5000,
        "self": 0,
        "file_id": f"{0xA1:032x}",
        "address": 0x100,
    }
    leaf = frame["children"][0]
    assert (leaf["label"], leaf["self"], leaf["children"]) == ("app+0x200", 5000, [])


def test_sandwich_and_diff_json(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    doc = run_json(capsys, "sandwich", "app+0x200", "--kind", "on_cpu", "--data-dir", data_dir)
    assert doc["function"] == "app+0x200"
    assert (doc["root"]["weight"], doc["root"]["self"]) == (4, 1)
    assert [c["label"] for c in doc["root"]["children"]] == ["libc.so.6+0x300", "app+0x210"]
    assert [c["label"] for c in doc["callers"]["children"]] == ["app+0x100"]
    diff = run_json(
        capsys,
        "diff",
        "--kind", "on_cpu",
        "--start", str(T0 + 10 * SECOND), "--end", str(T0 + 11 * SECOND),
        "--base-start", str(T0), "--base-end", str(T0 + SECOND),
        "--data-dir", data_dir,
    )  # fmt: skip
    assert (diff["base_start"], diff["base_end"]) == (T0, T0 + SECOND)
    root = diff["root"]
    assert (root["weight"], root["base"], root["change"]) == (1, 3, 0.0)
    worker = next(c for c in root["children"] if c["label"] == "worker")
    assert (worker["weight"], worker["base"], worker["change"]) == (0, 1, -1.0)


def test_diff_against_other_filters(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    diff = run_json(
        capsys,
        "diff",
        "--kind", "on_cpu",
        "--thread", "worker",
        "--baseline-filter", "thread=main",
        "--baseline-filter", "pid=!999",
        "--data-dir", data_dir,
    )  # fmt: skip
    root = diff["root"]
    assert (root["weight"], root["base"]) == (1, 3)
    assert {c["label"]: (c["weight"], c["base"]) for c in root["children"]} == {
        "main": (0, 3),
        "worker": (1, 0),
    }
    same_range = run_json(
        capsys,
        "diff",
        "--kind", "on_cpu",
        "--baseline-start", str(T0), "--baseline-end", str(T0 + SECOND),
        "--baseline-filter", "thread=worker",
        "--data-dir", data_dir,
    )  # fmt: skip
    assert (same_range["root"]["weight"], same_range["root"]["base"]) == (4, 1)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ([], "diff needs a baseline"),
        (["--baseline-start", "0"], "--baseline-start and --baseline-end go together"),
        (["--baseline-filter", "colour=red"], "is not FIELD=VALUE with FIELD one of thread"),
    ],
)
def test_diff_without_a_usable_baseline_is_refused(
    capsys: pytest.CaptureFixture[str], data_dir: str, flags: list[str], message: str
) -> None:
    code, _, err = run(capsys, "diff", *flags, "--data-dir", data_dir)
    assert code == 2
    assert message in err


def test_top_json(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    doc = run_json(capsys, "top", "--kind", "on_cpu", "--sort", "total", "--data-dir", data_dir)
    assert (doc["unit"], doc["total"], doc["functions_total"]) == ("samples", 4, 4)
    assert doc["items"][0] == {
        "function": "app+0x200",
        "file": "",
        "kind": "native",
        "self": 1,
        "total": 4,
        "self_pct": 25.0,
        "total_pct": 100.0,
    }
    heat = run_json(capsys, "top", "--limit", "1", "--heat", "--data-dir", data_dir)
    assert len(heat["items"]) == 1 and len(heat["items"][0]["heat_total"]) == 256


def test_timeline_flamescope_tracestats_json(
    capsys: pytest.CaptureFixture[str], data_dir: str
) -> None:
    line = run_json(capsys, "timeline", "--kind", "on_cpu", "--data-dir", data_dir)
    assert line["unit"] == "samples" and line["step"] == 20_000_000
    assert sum(w for _, w in line["buckets"]) == 4
    assert line["buckets"][0] == [T0, 3]
    scope = run_json(capsys, "flamescope", "--kind", "on_cpu", "--data-dir", data_dir)
    assert scope["cells"] == [[T0, 0, 3], [T0 + 10 * SECOND, 0, 1]]
    assert scope["column_ns"] == SECOND
    wide = run_json(
        capsys, "flamescope", "--kind", "on_cpu", "--column-seconds", "20", "--data-dir", data_dir
    )
    assert wide["cells"] == [[T0, 0, 4]] and wide["column_ns"] == 20 * SECOND
    with pytest.raises(SystemExit) as refused:
        run(capsys, "flamescope", "--column-seconds", "0", "--data-dir", data_dir)
    assert refused.value.code == 2 and "at least 1" in capsys.readouterr().err
    stats = run_json(capsys, "tracestats", "--data-dir", data_dir)
    assert (stats["events"], stats["unique_traces"], stats["histogram"]) == (
        5,
        3,
        [[1, 1], [2, 2]],
    )


def test_text_output(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    code, out, _ = run(capsys, "flamegraph", "--kind", "on_cpu", "--data-dir", data_dir)
    assert code == 0
    assert out.splitlines()[:4] == [
        "100.00% 4 (self 0) 100% of all CPU cycles",
        "   75.00% 3 (self 0) main",
        "     75.00% 3 (self 0) app+0x100",
        "       75.00% 3 (self 0) app+0x200",
    ]
    argv = ("flamegraph", "--min-pct", "30", "--kind", "on_cpu", "--data-dir", data_dir)
    code, out, _ = run(capsys, *argv)
    assert "worker" not in out and "app+0x210" not in out
    code, out, _ = run(capsys, "top", "--limit", "1", "--data-dir", data_dir)
    assert "4 functions total. List truncated to 1 entries." in out
    code, out, _ = run(capsys, "top", "--filter", "no-such-function", "--data-dir", data_dir)
    assert code == 0 and out == 'No function matches "no-such-function".\n'


def test_queries_work_while_the_collector_owns_the_store(
    capsys: pytest.CaptureFixture[str], data_dir: str
) -> None:
    with Store.open(data_paths(data_dir)):
        doc = run_json(capsys, "stats", "--data-dir", data_dir)
        assert doc["traces"] == 3


def test_queries_leave_the_owners_rocksdb_log_files_alone(
    capsys: pytest.CaptureFixture[str], data_dir: str
) -> None:
    db = data_paths(data_dir).db

    def logs() -> list[str]:
        return sorted(path.name for path in db.iterdir() if path.name.startswith("LOG"))

    with Store.open(data_paths(data_dir)):
        before = logs()
        for _ in range(2):
            assert run_json(capsys, "stats", "--data-dir", data_dir)["traces"] == 3
        assert logs() == before


def test_errors_are_reported(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "top", "--data-dir", str(tmp_path / "missing"))
    assert code == 2 and "no devfiler data" in err
    make_store(tmp_path, EVENTS).close()
    code, _, err = run(capsys, "top", "--last", "1h", "--start", "0", "--data-dir", str(tmp_path))
    assert code == 2 and "--last" in err


LEAF_C = """
int leaf(int x) {
    return x * 3 + 1;
}
int main(void) { return leaf(2); }
"""


def test_native_frames_are_symbolized_from_ingested_executables(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gcc: str
) -> None:
    source = tmp_path / "prog.c"
    source.write_text(LEAF_C)
    binary = tmp_path / "prog"
    subprocess.run([gcc, "-g", "-O0", "-o", str(binary), str(source)], check=True)
    with binary.open("rb") as handle:
        leaf = ELFFile(handle).get_section_by_name(".symtab").get_symbol_by_name("leaf")[0]
        address = leaf["st_value"] + 4
    file_id = file_id_of_path(binary)
    data = tmp_path / "data"
    ingest_file(SymbolStore(data_paths(data).symbols), binary)
    frame = Frame(FrameId(file_id, address), FrameKind.NATIVE)
    batch = batch_of([Event(T0, (frame,), MAIN)], [Executable(file_id, "prog")])
    with Store.open(data_paths(data)) as store:
        store.write(batch)
    code, out, _ = run(capsys, "traces", "--collapsed", "--data-dir", str(data))
    assert code == 0
    assert re.fullmatch(r"main;prog: leaf \(\S*prog\.c:[23]\) 1\n", out), out


def test_json_is_compact_unless_pretty(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    for view in ("flamegraph", "top", "stats"):
        code, compact, _ = run(capsys, view, "--json", "--data-dir", data_dir)
        assert code == 0 and compact.count("\n") == 1 and ", " not in compact
        code, pretty, _ = run(capsys, view, "--json", "--pretty", "--data-dir", data_dir)
        assert code == 0 and "\n " in pretty
        assert json.loads(pretty) == json.loads(compact)


def test_min_share_leaves_out_small_nodes(
    capsys: pytest.CaptureFixture[str], data_dir: str
) -> None:
    complete = run_json(capsys, "flamegraph", "--kind", "on_cpu", "--data-dir", data_dir)
    assert "omitted" not in json.dumps(complete)
    doc = run_json(
        capsys, "flamegraph", "--kind", "on_cpu", "--min-share", "0.5", "--data-dir", data_dir
    )
    root = doc["root"]
    assert (root["weight"], root["omitted"]) == (4, 1)
    assert [child["label"] for child in root["children"]] == ["main"]
    code, _, err = run(capsys, "flamegraph", "--min-share", "2", "--data-dir", data_dir)
    assert code == 2 and "--min-share" in err


@pytest.mark.parametrize("view", ["flamegraph", "timeline", "stats"])
def test_a_closed_pipe_ends_the_query_quietly(data_dir: str, view: str) -> None:
    """`devfiler query ... | head` exits with 0 and prints nothing on stderr."""
    argv = [sys.executable, "-m", "devfiler", "query", view, "--data-dir", data_dir]
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    err = child.stderr.read()
    assert child.wait(timeout=60) == 0
    assert err == b""


def test_every_view_prints_the_deepest_stack_the_collector_accepts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from devfiler.collector.limits import FRAMES_PER_STACK
    from tests.analysis.stores import APP, native

    def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
        """Reading it back needs more nesting than json.loads allows by default."""
        code, out, err = run(capsys, *argv, "--json")
        assert code == 0, err
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(4 * FRAMES_PER_STACK + limit)
        try:
            return json.loads(out)
        finally:
            sys.setrecursionlimit(limit)

    deep = tuple(native(APP, 0x1000 + i) for i in range(FRAMES_PER_STACK))
    make_store(tmp_path, [Event(T0, deep, MAIN), Event(T0 + SECOND, deep, MAIN)]).close()
    where = ("--data-dir", str(tmp_path))
    doc = run_json(capsys, "flamegraph", *where)
    depth, node = 0, doc["root"]
    while node["children"]:
        [node] = node["children"]
        depth += 1
    assert depth == 1 + FRAMES_PER_STACK  # the thread, then every frame
    base = ("--base-start", str(T0), "--base-end", str(T0 + SECOND))
    diff = run_json(capsys, "diff", "--start", str(T0 + SECOND), *base, *where)
    assert diff["root"]["weight"] == 1
    sandwich = run_json(capsys, "sandwich", "app+0x1800", *where)
    assert sandwich["root"]["weight"] == 2
    for view in ("traces", "timeline", "top", "flamescope", "tracestats"):
        assert run_json(capsys, view, *where)["unit"] == "samples"
    for view in ("flamegraph", "traces", "top", "tracestats"):
        code, _, err = run(capsys, view, *where)
        assert code == 0, err


def test_samples_behind_a_frame(capsys: pytest.CaptureFixture[str], data_dir: str) -> None:
    frame = f"{S1[0].id.file_id.hex()}:{S1[0].id.address:x}"
    doc = run_json(capsys, "samples", "--frame", frame, "--data-dir", data_dir)
    assert doc["total"] == 2 and doc["frame"] == f"frame {frame}"
    assert [(s["time"], s["thread"], s["tid"], s["pid"]) for s in doc["samples"]] == [
        (T0, "main", 1, 100),
        (T0 + 1, "main", 1, 100),
    ]
    code, out, _ = run(
        capsys, "samples", "--function", "app+0x100", "--limit", "2", "--sort", "thread",
        "--descending", "--data-dir", data_dir,
    )  # fmt: skip
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["time", "(UTC)"] and len(lines) == 4
    assert lines[-1] == "the first 2 of 5 samples through app+0x100 (weight 5)"
    with pytest.raises(SystemExit) as refused:
        run(capsys, "samples", "--data-dir", data_dir)
    assert refused.value.code == 2
    assert "one of the arguments --function --frame is required" in capsys.readouterr().err


def test_query_lines_with_a_source_root(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data_dir = str(tmp_path / "shaped")
    make_store(Path(data_dir), SHAPED_EVENTS).close()
    source = tmp_path / "src" / "tree.py"
    source.parent.mkdir()
    source.write_text("".join(f"# line {n}\n" for n in range(1, 41)))
    flags = ["query", "lines", "walk", "--data-dir", data_dir]
    assert cli.main([*flags, "--source-root", f"tree.py={source}"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"tree.py (read from {source})"
    assert [line.split("|")[0].split() for line in out[2:]] == [
        ["18"], ["19"], ["2", "20"], ["21"], ["1", "22"], ["23"], ["24"],
    ]  # fmt: skip
    assert out[4].endswith("| # line 20")
    assert cli.main([*flags, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["files"][0]["problem"].startswith("cannot read tree.py")
    assert [(r["line"], r["total"]) for r in doc["files"][0]["lines"]] == [(20, 2), (22, 1)]
    assert cli.main([*flags, "--source-root", "nothing"]) == 2
    assert "is not OLD=NEW" in capsys.readouterr().err
