"""pprof export: read back with profile.proto's classes, and by `go tool pprof` itself."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from devfiler.analysis.results import Selection
from devfiler.analysis.topfunctions import top_functions
from devfiler.export.formats import FORMATS
from devfiler.export.pprof_messages import Profile
from devfiler.model import SampleKind
from tests.analysis.stores import T0
from tests.export.profiles import named_store, symbols

ON_CPU = Selection(kinds=frozenset({SampleKind.ON_CPU}))
OFF_CPU = Selection(kinds=frozenset({SampleKind.OFF_CPU}))


def exported(tmp_path: Path, selection: Selection) -> bytes:
    store = named_store(tmp_path / "data")
    try:
        return FORMATS["pprof"].render(store, selection, symbols())
    finally:
        store.close()


def read_back(data: bytes) -> Any:
    return Profile.FromString(gzip.decompress(data))


def test_sample_types_values_and_labels(tmp_path: Path) -> None:
    profile = read_back(exported(tmp_path, Selection()))
    strings = list(profile.string_table)
    assert strings[0] == ""
    assert [(strings[t.type], strings[t.unit]) for t in profile.sample_type] == [
        ("samples", "count"),
        ("off_cpu", "nanoseconds"),
    ]
    assert strings[profile.default_sample_type] == "samples"
    assert profile.time_nanos == T0
    assert sum(s.value[0] for s in profile.sample) == 60
    assert sum(s.value[1] for s in profile.sample) == sum(1000 * i for i in range(1, 15))
    labels = {
        (strings[label.key], strings[label.str] if label.str else label.num)
        for sample in profile.sample
        for label in sample.label
    }
    assert {
        ("thread.name", "main"),
        ("thread.name", "worker"),
        ("thread.name", "cron"),
        ("thread.id", 2),
        ("process.pid", 200),
        ("process.executable.path", "/usr/bin/app"),
        ("process.executable.name", "cron"),
        ("container.id", "c0ffee1234"),
        ("service.name", "batch"),
    } <= labels


def test_locations_keep_mapping_address_and_inline_lines(tmp_path: Path) -> None:
    profile = read_back(exported(tmp_path, ON_CPU))
    strings = list(profile.string_table)
    functions = {f.id: (strings[f.name], strings[f.filename]) for f in profile.function}
    mappings = {m.id: m for m in profile.mapping}
    by_address = {
        loc.address: (loc, [(*functions[line.function_id], line.line) for line in loc.line])
        for loc in profile.location
    }
    work, lines = by_address[0x200]
    assert lines == [("helper", "helper.h", 3), ("work", "work.c", 10)]
    mapping = mappings[work.mapping_id]
    assert strings[mapping.filename] == "/usr/bin/app"
    assert strings[mapping.build_id] == f"{0xA1:032x}"
    assert mapping.has_functions and mapping.has_inline_frames
    handler, lines = by_address[3]
    assert handler.mapping_id == 0
    assert lines == [("handler", "app.py", 3)]
    leaf_first = [
        [by_address_of(profile, i) for i in sample.location_id] for sample in profile.sample
    ]
    assert [0x300, 0x200, 0x100] in leaf_first


def by_address_of(profile: Any, location_id: int) -> int:
    return int(next(loc.address for loc in profile.location if loc.id == location_id))


def test_unsymbolized_native_frames_keep_only_their_address(tmp_path: Path) -> None:
    store = named_store(tmp_path / "data")
    try:
        profile = read_back(FORMATS["pprof"].render(store, ON_CPU, None))
    finally:
        store.close()
    natives = [loc for loc in profile.location if loc.mapping_id]
    assert {loc.address for loc in natives} == {0x100, 0x200, 0x210, 0x300}
    assert all(not loc.line for loc in natives)


_TOP_LINE = re.compile(r"^\s*(\S+)\s+\S+%\s+\S+%\s+(\S+)\s+\S+%\s+(.+)$")


def pprof_top(path: Path, unit: str, *options: str) -> dict[str, tuple[int, int]]:
    """`go tool pprof -top`: function -> (flat, cum), inline frames under their own name."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed (apt-get install golang-go): go tool pprof is needed")
    result = subprocess.run(
        [go, "tool", "pprof", "-top", "-nodecount=1000", f"-unit={unit}", *options, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    rows = {}
    body = result.stdout.split(" flat  flat%", 1)[1].splitlines()[1:]
    for line in body:
        match = _TOP_LINE.match(line)
        assert match, line
        flat, cum, name = match.groups()
        rows[name.removesuffix(" (inline)")] = (
            int(flat.removesuffix(unit)),
            int(cum.removesuffix(unit)),
        )
    return rows


@pytest.mark.parametrize(("selection", "unit"), [(ON_CPU, "count"), (OFF_CPU, "ns")])
def test_go_tool_pprof_computes_what_query_top_computes(
    tmp_path: Path, selection: Selection, unit: str
) -> None:
    path = tmp_path / "profile.pb.gz"
    path.write_bytes(exported(tmp_path, selection))
    store = named_store(tmp_path / "again")
    try:
        top = top_functions(store, selection, symbols())
    finally:
        store.close()
    expected = {item.function: (item.self_weight, item.total_weight) for item in top.items}
    assert pprof_top(path, unit) == expected
