"""Frames the agent described are told apart by their content, through a real gRPC port.

Each test sends requests to a real collector writing into a real store, then
reads the collapsed stacks back through `devfiler query` and compares them,
exactly, with what the frames sent say. The shapes are the ones real agents
send where mapping and address do not identify a frame (PROTOCOL.md,
"Identifying a frame").
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

import grpc
import pytest
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceRequest,
)
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2_grpc import (
    ProfilesServiceStub,
)

from devfiler import cli
from devfiler.collector.server import Collector
from devfiler.commands.common import open_writable
from devfiler.config import data_paths
from devfiler.model import FileId
from devfiler.storage.store import Store
from devfiler.storage.tables import FRAMES
from tests.collector.described_requests import (
    Bare,
    Described,
    Module,
    SentLine,
    SentStack,
    described_request,
    expected_collapsed,
    parse_collapsed,
)

BASE_NS = 1_750_000_000_000_000_000
CORELIB = Module("System.Private.CoreLib.dll", FileId(0xD07))
APP = Module("/usr/bin/app", FileId(0xA99))
LIBC = Module("libc.so.6", FileId(0x11BC))
SCRIPT = Module("/srv/jobs/report.py", FileId(0x5C))


def dotnet(method: str) -> Described:
    """A .NET dynamic method: the module's mapping, address 0, its own name."""
    return Described("dotnet", CORELIB, 0, (SentLine(method, file="DynamicClass"),))


def inline_level(function: str, line: int) -> Described:
    """One level of an inline chain the agent expanded: all share mapping and address."""
    return Described("native", APP, 0x4_1F20, (SentLine(function, file="src/app.c", line=line),))


def old_python(function: str, line: int) -> Described:
    """An older agent's interpreted frame: the script's mapping, the line as the address."""
    return Described("cpython", SCRIPT, line, (SentLine(function, file="report.py", line=line),))


MIXED = [
    SentStack((dotnet("Invoke_a"), dotnet("Dispatch"), Bare(LIBC, 0x2_9D90)), "dotnet-worker", 3),
    SentStack((dotnet("Invoke_b"), dotnet("Dispatch"), Bare(LIBC, 0x2_9D90)), "dotnet-worker", 2),
    SentStack(
        (
            inline_level("checksum", 88),
            inline_level("parse_block", 140),
            inline_level("handle", 31),
            Bare(APP, 0x1_0000),
        ),
        "app",
        4,
    ),
    SentStack((inline_level("handle", 31), Bare(APP, 0x1_0000)), "app", 1),
    SentStack((old_python("render", 12), old_python("main", 40)), "report", 5),
    SentStack((old_python("total", 12), old_python("main", 40)), "report", 1),
]


def send(port: int, requests: Sequence[ExportProfilesServiceRequest]) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{port}", compression=grpc.Compression.Gzip) as channel:
        stub = ProfilesServiceStub(channel)
        for request in requests:
            stub.Export(request, timeout=30)


def ingest(data_dir: Path, requests: Sequence[ExportProfilesServiceRequest]) -> None:
    """Send `requests` to a real collector on a loopback port, then stop it."""
    with Store.open(data_paths(data_dir)) as store:
        collector = Collector(store)
        collector.start("127.0.0.1:0")
        try:
            send(collector.port, requests)
        finally:
            collector.stop(grace=5)


def query(capsys: pytest.CaptureFixture[str], data_dir: Path, *argv: str) -> str:
    code = cli.main(["query", *argv, "--data-dir", str(data_dir)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def stored_collapsed(capsys: pytest.CaptureFixture[str], data_dir: Path) -> dict[str, int]:
    return dict(parse_collapsed(query(capsys, data_dir, "traces", "--collapsed")))


def frame_table(data_dir: Path) -> dict[bytes, bytes]:
    with Store.open(data_paths(data_dir)) as store:
        return {bytes(k): bytes(v) for k, v in store._tables[FRAMES.name].items()}


def distinct_frames(stacks: Sequence[SentStack]) -> int:
    return len({frame for stack in stacks for frame in stack.frames})


def test_the_three_shapes_in_one_request_keep_every_frame_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(tmp_path, [described_request(MIXED, BASE_NS, seed=1)])
    assert stored_collapsed(capsys, tmp_path) == expected_collapsed(MIXED)
    stats = json.loads(query(capsys, tmp_path, "stats", "--json"))
    assert stats["frames"] == distinct_frames(MIXED)


def test_requests_numbering_everything_differently_give_one_frame_per_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests = [
        described_request(MIXED[i::2], BASE_NS + i * 5_000_000_000, seed=10 + i) for i in range(2)
    ] + [described_request(MIXED, BASE_NS + 10_000_000_000, seed=99)]
    ingest(tmp_path, requests)
    expected = expected_collapsed(MIXED[0::2]) + expected_collapsed(MIXED[1::2])
    expected += expected_collapsed(MIXED)
    assert stored_collapsed(capsys, tmp_path) == expected
    assert json.loads(query(capsys, tmp_path, "stats", "--json"))["frames"] == distinct_frames(
        MIXED
    )


def random_stacks(rng: random.Random, count: int) -> list[SentStack]:
    """Stacks over few (mapping, address) pairs, each carrying many different lines."""
    modules = [CORELIB, APP, SCRIPT, Module("jit-map", None)]
    pool: list[Described | Bare] = [Bare(LIBC, 0x100 * i) for i in range(1, 4)]
    for _ in range(40):
        lines = tuple(
            SentLine(
                rng.choice(["run", "step", "emit", "flush", "read", "run"]) + str(rng.randrange(4)),
                system_name=rng.choice(["", "sys_run"]),
                file=rng.choice(["", "a.cs", "b.py"]),
                line=rng.randrange(3),
                column=rng.randrange(2),
            )
            for _ in range(rng.randint(1, 3))
        )
        pool.append(
            Described(
                rng.choice(["dotnet", "cpython", "native", "luajit"]),
                rng.choice([*modules, None]),
                rng.choice([0, 7, 0x4_1F20]),
                lines,
            )
        )
    threads = ["t0", "t1", "t2"]
    return [
        SentStack(
            tuple(rng.choice(pool) for _ in range(rng.randint(1, 8))),
            rng.choice(threads),
            rng.randint(1, 3),
        )
        for _ in range(count)
    ]


@pytest.mark.parametrize("seed", [3, 17])
def test_random_lines_on_shared_addresses_are_stored_exactly_in_any_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: int
) -> None:
    rng = random.Random(seed)
    batches = [random_stacks(rng, 25) for _ in range(4)]
    requests = [
        described_request(stacks, BASE_NS + i * 5_000_000_000, seed=seed * 100 + i)
        for i, stacks in enumerate(batches)
    ]
    forward, backward = tmp_path / "forward", tmp_path / "backward"
    ingest(forward, requests)
    ingest(backward, requests[::-1])
    expected = sum((expected_collapsed(stacks) for stacks in batches), start=expected_collapsed([]))
    assert stored_collapsed(capsys, forward) == expected
    assert stored_collapsed(capsys, backward) == expected
    assert frame_table(forward) == frame_table(backward)
    assert len(frame_table(forward)) == distinct_frames([s for b in batches for s in b])


def test_a_store_of_the_previous_schema_is_refused_with_the_way_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = data_paths(tmp_path)
    with Store.open(paths) as store:
        store._tables["meta"].put(b"schema", (1).to_bytes(8, "big"))
    code = cli.main(["query", "stats", "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code != 0
    assert "older devfiler (schema 1)" in err
    assert "--discard-old-store" in err
    assert "Traceback" not in err
    code = cli.main(["collector", "--data-dir", str(tmp_path), "--listen", "127.0.0.1:0"])
    assert code == 1
    assert "--discard-old-store" in capsys.readouterr().err
    assert (paths.db / "CURRENT").exists()


def test_discarding_an_old_store_starts_afresh_and_keeps_symbols(tmp_path: Path) -> None:
    paths = data_paths(tmp_path)
    with Store.open(paths) as store:
        store._tables["meta"].put(b"schema", (1).to_bytes(8, "big"))
    paths.symbols.mkdir()
    (paths.symbols / "kept").write_bytes(b"symbols")
    args = cli.build_parser().parse_args(["collector", "--discard-old-store"])
    with open_writable(paths, args) as store:
        assert store.count(FRAMES) == 0
    assert (paths.symbols / "kept").read_bytes() == b"symbols"
