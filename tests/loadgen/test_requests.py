"""Generated requests: deterministic, and shaped like the agent's on every table and field."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources

import pytest

from devfiler.collector.request_tables import placeholder_tables
from devfiler.loadgen.params import LoadParams
from devfiler.loadgen.requests import Batch
from devfiler.model import SampleKind
from tests.loadgen.requests_view import (
    attributes,
    batches,
    frame_type,
    profiles,
    small_params,
    timestamp_count,
)

ALL_FRAME_TYPES = {
    "native", "kernel", "go", "cpython", "jvm", "php", "ruby", "perl", "v8js", "dotnet", "beam",
    "luajit", "abort-marker",
}  # fmt: skip
_SAMPLE_TYPES = {
    SampleKind.ON_CPU: ("samples", "count"),
    SampleKind.OFF_CPU: ("off_cpu", "nanoseconds"),
    SampleKind.UPROBE: ("events", "count"),
}


@pytest.fixture(scope="module")
def run() -> list[Batch]:
    return batches(small_params())


def test_same_seed_same_bytes() -> None:
    first = [b.request.SerializeToString() for b in batches(small_params())]
    second = [b.request.SerializeToString() for b in batches(small_params())]
    other = [b.request.SerializeToString() for b in batches(small_params(seed=8))]
    assert first == second
    assert first != other


def test_one_request_per_window_and_kind_with_the_asked_rate(run: list[Batch]) -> None:
    params = small_params()
    # 12 s are three windows: 5 s, 5 s and 2 s.
    assert [(b.kind, b.window_start_ns - params.start_ns) for b in run] == [
        (kind, w * 5_000_000_000) for w in range(3) for kind in params.kinds
    ]
    assert run[-1].window_end_ns == params.start_ns + 12_000_000_000
    per_kind = Counter[SampleKind]()
    for batch in run:
        assert timestamp_count(batch.request) == batch.events
        per_kind[batch.kind] += batch.events
    assert per_kind == {
        kind: round(params.kind_rate(kind) * params.duration_s) for kind in params.kinds
    }
    assert sum(per_kind.values()) == params.rate * params.duration_s


def test_element_zero_of_every_table_is_an_empty_placeholder(run: list[Batch]) -> None:
    for batch in run:
        d = batch.request.dictionary
        assert d.string_table[0] == ""
        for table in placeholder_tables(d):
            assert table[0].ByteSize() == 0


def test_tables_are_deduplicated(run: list[Batch]) -> None:
    for batch in run:
        d = batch.request.dictionary
        assert len(set(d.string_table)) == len(d.string_table)
        for table in (
            d.attribute_table,
            d.mapping_table,
            d.location_table,
            d.function_table,
            d.stack_table,
        ):
            encoded = [entry.SerializeToString() for entry in table]
            assert len(set(encoded)) == len(encoded)


def test_every_index_is_in_range(run: list[Batch]) -> None:
    for batch in run:
        d = batch.request.dictionary
        strings = len(d.string_table)

        def check(index: int, size: int, *, nonzero: bool = False) -> None:
            assert (1 if nonzero else 0) <= index < size

        for attribute in d.attribute_table[1:]:
            check(attribute.key_strindex, strings, nonzero=True)
        for mapping in d.mapping_table[1:]:
            check(mapping.filename_strindex, strings, nonzero=True)
            for i in mapping.attribute_indices:
                check(i, len(d.attribute_table), nonzero=True)
        for function in d.function_table[1:]:
            check(function.name_strindex, strings, nonzero=True)
            check(function.filename_strindex, strings)
        for location in d.location_table[1:]:
            check(location.mapping_index, len(d.mapping_table))
            for line in location.lines:
                check(line.function_index, len(d.function_table), nonzero=True)
            for i in location.attribute_indices:
                check(i, len(d.attribute_table), nonzero=True)
        for stack in d.stack_table[1:]:
            assert len(stack.location_indices) > 0
            for i in stack.location_indices:
                check(i, len(d.location_table), nonzero=True)
        for profile in profiles(batch.request):
            check(profile.sample_type.type_strindex, strings, nonzero=True)
            check(profile.sample_type.unit_strindex, strings, nonzero=True)
            for sample in profile.samples:
                check(sample.stack_index, len(d.stack_table), nonzero=True)
                for i in sample.attribute_indices:
                    check(i, len(d.attribute_table), nonzero=True)


def test_profiles_carry_their_kind_window_and_context(run: list[Batch]) -> None:
    for batch in run:
        request = batch.request
        strings = request.dictionary.string_table
        pids = set()
        for resource in request.resource_profiles:
            keys = {kv.key: kv.value for kv in resource.resource.attributes}
            assert {"process.pid", "process.executable.path", "process.executable.name"} <= set(
                keys
            )
            assert keys["process.executable.path"].string_value.endswith(
                keys["process.executable.name"].string_value
            )
            pids.add(keys["process.pid"].int_value)
        assert len(pids) == len(request.resource_profiles)
        for profile in profiles(request):
            sample_type = profile.sample_type
            assert (
                strings[sample_type.type_strindex],
                strings[sample_type.unit_strindex],
            ) == _SAMPLE_TYPES[batch.kind]
            if batch.kind is SampleKind.ON_CPU:
                assert strings[profile.period_type.type_strindex] == "cpu"
                assert profile.period == 50_000_000
            assert profile.time_unix_nano == batch.window_start_ns
            assert profile.duration_nano == batch.window_end_ns - batch.window_start_ns
            for sample in profile.samples:
                keys = attributes(request, sample.attribute_indices)
                assert set(keys) == {"thread.name", "thread.id", "cpu.logical_number"}
                assert 0 < len(keys["thread.name"]) <= 15


def test_timestamps_are_sorted_nanoseconds_inside_the_window(run: list[Batch]) -> None:
    several = 0
    for batch in run:
        for profile in profiles(batch.request):
            for sample in profile.samples:
                stamps = list(sample.timestamps_unix_nano)
                assert stamps == sorted(stamps)
                assert batch.window_start_ns <= stamps[0]
                assert stamps[-1] < batch.window_end_ns
                several += len(stamps) > 1
    assert several > 0
    assert any(ts % 1_000_000_000 for b in run for p in profiles(b.request) for s in p.samples
               for ts in s.timestamps_unix_nano)  # fmt: skip


def test_off_cpu_values_are_nanoseconds_aligned_with_timestamps(run: list[Batch]) -> None:
    for batch in run:
        for profile in profiles(batch.request):
            for sample in profile.samples:
                if batch.kind is SampleKind.OFF_CPU:
                    assert len(sample.values) == len(sample.timestamps_unix_nano)
                    assert all(0 < v <= 5_000_000_000 for v in sample.values)
                else:
                    assert len(sample.values) == 0


def test_every_location_is_typed_and_every_frame_type_occurs(run: list[Batch]) -> None:
    codes = {
        int(code)
        for code in json.loads(
            resources.files("devfiler.resources").joinpath("unwind_errors.json").read_text()
        )["codes"]
    }
    seen = Counter[str]()
    error_frames = 0
    for batch in run:
        request = batch.request
        d = request.dictionary
        for location in d.location_table[1:]:
            kind = frame_type(request, location)
            seen[kind] += 1
            if kind == "native":
                assert location.mapping_index > 0 and not location.lines
            elif kind == "abort-marker":
                assert location.mapping_index == 0 and not location.lines
                assert location.address in codes
            elif not location.lines:
                error_frames += 1
                assert location.mapping_index == 0 and location.address in codes
            else:
                function = d.function_table[location.lines[0].function_index]
                assert d.string_table[function.name_strindex]
                if kind != "kernel":
                    assert location.lines[0].line > 0
    assert set(seen) == ALL_FRAME_TYPES
    assert error_frames > 0


def test_native_mappings_carry_build_ids(run: list[Batch]) -> None:
    go_seen = False
    for batch in run:
        request = batch.request
        for mapping in request.dictionary.mapping_table[1:]:
            keys = attributes(request, mapping.attribute_indices)
            assert re.fullmatch(r"[0-9a-f]{32}", keys["process.executable.build_id.htlhash"])
            assert re.fullmatch(r"[0-9a-f]{40}", keys["process.executable.build_id.gnu"])
            go_seen |= "process.executable.build_id.go" in keys
            assert mapping.memory_start < mapping.memory_limit
    assert go_seen


def test_stacks_are_skewed_with_a_long_tail(run: list[Batch]) -> None:
    batch = run[0]
    per_stack = Counter[int]()
    for profile in profiles(batch.request):
        for sample in profile.samples:
            per_stack[sample.stack_index] += len(sample.timestamps_unix_nano)
    counts = sorted(per_stack.values(), reverse=True)
    top_tenth = sum(counts[: len(counts) // 10])
    assert top_tenth > sum(counts) / 3
    assert sum(1 for c in counts if c == 1) > len(counts) / 4


def test_only_the_asked_kinds_are_sent() -> None:
    run = batches(small_params(kinds=(SampleKind.OFF_CPU,), duration_s=5.0))
    assert [b.kind for b in run] == [SampleKind.OFF_CPU]
    assert run[0].events == 4000 * 5


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        small_params(rate=0)
    with pytest.raises(ValueError, match="subset"):
        LoadParams(start_ns=0, kinds=(SampleKind.UNKNOWN,))
