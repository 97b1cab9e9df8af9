"""Importing profile files: through the collector's decoder into a real store.

OTLP files give what the same requests give over gRPC; devfiler's own pprof
and collapsed exports come back equal; a Go program's CPU profile comes in
with the top functions `go tool pprof` computes; bad files store nothing.
"""

from __future__ import annotations

import gzip
import random
import shutil
import subprocess
from pathlib import Path

import grpc
import numpy as np
import pytest
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2_grpc import (
    ProfilesServiceStub,
)

from devfiler.analysis.collapsed import collapsed
from devfiler.analysis.profile import load_profile
from devfiler.analysis.results import Selection
from devfiler.analysis.topfunctions import top_functions
from devfiler.collector.server import Collector
from devfiler.config import data_paths
from devfiler.export.formats import FORMATS
from devfiler.export.importing import ProfileImportError, import_file
from devfiler.export.pprof_messages import Profile
from devfiler.loadgen.params import LoadParams
from devfiler.loadgen.requests import generate
from devfiler.model import SampleKind
from devfiler.storage.store import Store
from devfiler.storage.tables import ALL_TABLES
from tests.analysis.stores import T0
from tests.collector import decoder_request
from tests.export.profiles import named_store, symbols
from tests.export.test_pprof_writer import pprof_top

EVERYTHING = Selection()
ON_CPU = Selection(kinds=frozenset({SampleKind.ON_CPU}))
OFF_CPU = Selection(kinds=frozenset({SampleKind.OFF_CPU}))
PROGRAM = Path(__file__).parent / "programs" / "cpu_profile.go"


@pytest.fixture
def target(tmp_path: Path) -> Store:
    store = Store.open(data_paths(tmp_path / "target"))
    yield store
    store.close()


def assert_same_contents(a: Store, b: Store) -> None:
    for spec in ALL_TABLES:
        assert a.count(spec) == b.count(spec), spec.name
    left, right = (s.read_events(-(1 << 63), (1 << 63) - 1, frozenset(SampleKind)) for s in (a, b))
    for column in ("timestamps", "kinds", "weights"):
        assert np.array_equal(getattr(left, column), getattr(right, column)), column
    left_hashes, right_hashes = (
        a.trace_hashes(left.trace_numbers),
        b.trace_hashes(right.trace_numbers),
    )
    assert [left_hashes[i] for i in left.trace_index.tolist()] == [
        right_hashes[i] for i in right.trace_index.tolist()
    ]
    assert np.array_equal(
        left.context_keys[left.context_index], right.context_keys[right.context_index]
    )
    assert set(a.executables()) == set(b.executables())
    assert collapsed(load_profile(a, EVERYTHING)) == collapsed(load_profile(b, EVERYTHING))


def test_otlp_files_store_what_the_same_requests_store_over_grpc(
    tmp_path: Path, store: Store, collector: Collector, target: Store
) -> None:
    params = LoadParams(start_ns=T0, duration_s=12, rate=300, processes=3, threads=2)
    requests = [batch.request for batch in generate(params)]
    with grpc.insecure_channel(f"127.0.0.1:{collector.port}") as channel:
        for request in requests:
            ProfilesServiceStub(channel).Export(request)
    for i, request in enumerate(requests):
        path = tmp_path / f"{i:06d}.binpb"
        path.write_bytes(request.SerializeToString())
        imported = import_file(target, path)
        assert imported.format == "OTLP request"
        assert imported.events == sum(
            len(s.timestamps_unix_nano)
            for r in request.resource_profiles
            for p in r.scope_profiles[0].profiles
            for s in p.samples
        )
    assert_same_contents(store, target)


def top_rows(
    store: Store, selection: Selection, with_symbols: bool
) -> set[tuple[str, str, int, int]]:
    top = top_functions(load_profile(store, selection, symbols() if with_symbols else None))
    return {(i.function, i.file, i.self_weight, i.total_weight) for i in top.items}


def thread_weights(store: Store, selection: Selection) -> list[tuple[str, int]]:
    lines = collapsed(load_profile(store, selection)).lines
    totals: dict[str, int] = {}
    for text, weight in lines:
        thread = text.split(";", 1)[0]
        totals[thread] = totals.get(thread, 0) + weight
    return sorted(totals.items())


@pytest.mark.parametrize("selection", [ON_CPU, OFF_CPU], ids=["on_cpu", "off_cpu"])
@pytest.mark.parametrize("packed", [True, False], ids=["gzipped", "plain"])
def test_pprof_export_comes_back_equal(
    tmp_path: Path, target: Store, selection: Selection, packed: bool
) -> None:
    source = named_store(tmp_path / "source")
    try:
        data = FORMATS["pprof"].render(source, selection, symbols())
        expected_top = top_rows(source, selection, True)
        expected_threads = thread_weights(source, selection)
    finally:
        source.close()
    path = tmp_path / "profile.pb.gz"
    path.write_bytes(data if packed else gzip.decompress(data))
    imported = import_file(target, path)
    assert imported.format == "pprof"
    assert top_rows(target, selection, False) == expected_top
    assert thread_weights(target, selection) == expected_threads
    stored = target.read_events(-(1 << 63), (1 << 63) - 1, frozenset(SampleKind))
    assert set(stored.kinds.tolist()) == {next(iter(selection.kinds))}


def test_collapsed_export_comes_back_as_the_same_text(tmp_path: Path, target: Store) -> None:
    source = named_store(tmp_path / "source")
    try:
        text = FORMATS["collapsed"].render(source, ON_CPU, symbols())
        expected = collapsed(load_profile(source, ON_CPU, symbols())).lines
    finally:
        source.close()
    path = tmp_path / "stacks.txt"
    path.write_bytes(text)
    imported = import_file(target, path)
    assert (imported.format, imported.events) == ("collapsed stacks", 60)
    assert collapsed(load_profile(target, ON_CPU)).lines == expected


def go_cpu_profile(tmp_path: Path) -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed (apt-get install golang-go): a Go CPU profile is needed")
    out = tmp_path / "cpu.pprof"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GOCACHE": str(tmp_path / "gocache"),
        "GOPATH": str(tmp_path / "gopath"),
        "GO111MODULE": "off",
        "GOFLAGS": "",
    }
    subprocess.run(
        [go, "run", str(PROGRAM), str(out)], check=True, env=env, timeout=300, capture_output=True
    )
    return out


def test_go_cpu_profile_has_the_top_functions_go_tool_pprof_computes(
    tmp_path: Path, target: Store
) -> None:
    path = go_cpu_profile(tmp_path)
    imported = import_file(target, path)
    assert imported.format == "pprof"
    assert "samples/count became on-CPU events" in imported.summary()
    top = top_functions(load_profile(target, ON_CPU))
    mine = {item.function: (item.self_weight, item.total_weight) for item in top.items}
    theirs = pprof_top(path, "count", "-sample_index=samples")
    assert mine == theirs
    assert {"main.fib", "main.spin", "main.main"} <= set(mine)
    assert imported.events == top.total


def write_profile(path: Path, profile: object) -> Path:
    path.write_bytes(gzip.compress(profile.SerializeToString()))  # type: ignore[attr-defined]
    return path


def broken_pprof() -> object:
    profile = Profile(string_table=["", "samples", "count", "f"])
    profile.sample_type.add(type=1, unit=2)
    profile.function.add(id=1, name=3)
    profile.location.add(id=1, line=[{"function_id": 1}])
    profile.sample.add(location_id=[1], value=[3])
    profile.sample.add(location_id=[7], value=[1])
    return profile


def malformed_otlp() -> bytes:
    request = decoder_request.build()
    request.dictionary.attribute_table[1].key_strindex = 500
    return request.SerializeToString()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\x1f\x8b\x08\x00garbage", "broken gzip data"),
        (bytes(random.Random(1).randbytes(300)), "not a profile devfiler reads"),
        (b"main;work 3\nmain;work three\n", "line 2: expected 'thread;frame;...;frame COUNT'"),
        (gzip.compress(broken_pprof().SerializeToString()), "sample[1] names location 7"),  # type: ignore[attr-defined]
        (malformed_otlp(), "attribute_table[1].key_strindex = 500 is out of range"),
    ],
    ids=["empty", "gzip", "random", "collapsed", "pprof", "otlp"],
)
def test_bad_files_are_refused_whole(
    tmp_path: Path, target: Store, content: bytes, message: str
) -> None:
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(ProfileImportError) as refused:
        import_file(target, path)
    assert str(refused.value).startswith(f"{path}: ")
    assert message in str(refused.value)
    for spec in ALL_TABLES:
        if spec.name != "meta":
            assert target.count(spec) == 0, spec.name
