"""A selection as a gzipped pprof profile, the format `go tool pprof` and many tools read.

One sample type per sample kind in the selection, named as the agent names
them (on-CPU `samples`/`count`, off-CPU `off_cpu`/`nanoseconds`, uprobe
`events`/`count`, unknown `unknown`/`count`), one sample per distinct (stack, context) with the
context as labels. A location is one frame: native and kernel frames keep
their executable as mapping and their address; symbolized frames carry
their inline chain as several lines, innermost first, as pprof does.
Frames known only by address keep no line, so pprof can still symbolize
them from the binary; frames that have neither (unwinding errors) get a
function named as devfiler shows them.
"""

from __future__ import annotations

import gzip
from typing import Any

import numpy as np

from devfiler.analysis.labels import LabeledFrame
from devfiler.collector.request_tables import SAMPLE_TYPES
from devfiler.export.pprof_messages import ProfileWithRawSamples, Sample
from devfiler.export.selected import SelectedProfile
from devfiler.model import EventContext, Executable, FileId, SampleKind

LABELS = (
    ("thread.name", "thread_name"),
    ("thread.id", "thread_id"),
    ("process.pid", "pid"),
    ("process.executable.path", "executable_path"),
    ("process.executable.name", "executable_name"),
    ("container.id", "container_id"),
    ("service.name", "service_name"),
)
"""pprof label key -> the context field it holds (the OpenTelemetry attribute names)."""


class _Strings:
    def __init__(self, table: Any) -> None:
        self._table = table
        self._index: dict[str, int] = {"": 0}
        table.append("")

    def __call__(self, text: str) -> int:
        index = self._index.get(text)
        if index is None:
            index = self._index[text] = len(self._index)
            self._table.append(text)
        return index


class _Builder:
    def __init__(self, selected: SelectedProfile) -> None:
        self.selected = selected
        self.profile = ProfileWithRawSamples()
        self.string = _Strings(self.profile.string_table)
        self._functions: dict[tuple[str, str], int] = {}
        self._mappings: dict[FileId, int] = {}

    def function(self, name: str, file: str) -> int:
        key = (name, file)
        found = self._functions.get(key)
        if found is None:
            found = self._functions[key] = len(self._functions) + 1
            self.profile.function.add(
                id=found,
                name=self.string(name),
                system_name=self.string(name),
                filename=self.string(file),
            )
        return found

    def mapping(self, file_id: FileId, chain: tuple[LabeledFrame, ...]) -> int:
        found = self._mappings.get(file_id)
        if found is None:
            found = self._mappings[file_id] = len(self._mappings) + 1
            exe = self.selected.executables.get(file_id, Executable(file_id))
            self.profile.mapping.add(
                id=found,
                memory_limit=(1 << 64) - 1,
                filename=self.string(exe.path or exe.file_name),
                build_id=self.string(exe.gnu_build_id or exe.go_build_id or file_id.hex()),
            )
        sources = [box.source for box in chain if box.source is not None]
        if sources:
            mapping = self.profile.mapping[found - 1]
            mapping.has_functions = True
            mapping.has_filenames |= any(source.file for source in sources)
            mapping.has_line_numbers |= any(source.line for source in sources)
            mapping.has_inline_frames |= len(sources) > 1
        return found

    def location(self, number: int, chain: tuple[LabeledFrame, ...]) -> None:
        head = chain[0]
        location = self.profile.location.add(id=number + 1, address=head.address or 0)
        if head.kind is not None and head.kind.is_native_like and head.file_id is not None:
            location.mapping_id = self.mapping(head.file_id, chain)
        if head.source is None:
            if not location.mapping_id:
                location.line.add(function_id=self.function(head.function, ""))
            return
        for box in reversed(chain):
            source = box.source
            if source is not None:
                location.line.add(
                    function_id=self.function(source.function, source.file), line=source.line
                )


def pprof_bytes(selected: SelectedProfile) -> bytes:
    """The profile, gzip-compressed as pprof files are on disk."""
    return gzip.compress(pprof_profile(selected).SerializeToString(), compresslevel=6, mtime=0)


def pprof_profile(selected: SelectedProfile) -> Any:
    """The uncompressed Profile message (its samples held as serialized Sample messages)."""
    builder = _Builder(selected)
    profile, string = builder.profile, builder.string
    for kind in selected.kinds:
        type_name, unit = SAMPLE_TYPES[kind]
        profile.sample_type.add(type=string(type_name), unit=string(unit))
    if selected.kinds:
        profile.default_sample_type = string(SAMPLE_TYPES[selected.kinds[0]][0])
    profile.time_nanos = selected.start_ns
    profile.duration_nanos = max(selected.end_ns - selected.start_ns, 0)
    for number, chain in enumerate(selected.locations):
        builder.location(number, chain)
    labels: dict[int, bytes] = {}
    values = np.where(
        np.array([kind is SampleKind.OFF_CPU for kind in selected.kinds], dtype=bool),
        selected.weights,
        selected.counts,
    ).tolist()
    location_ids = (selected.codes + 1).tolist()
    offsets = selected.offsets.tolist()
    # Rows share stacks, contexts and (small) values: each part is serialized once.
    stacks: dict[int, bytes] = {}
    amounts: dict[tuple[int, ...], bytes] = {}
    samples = []
    for stack, context, row_values in zip(
        selected.stack.tolist(), selected.context.tolist(), map(tuple, values), strict=True
    ):
        path = stacks.get(stack)
        if path is None:
            leaf_first = location_ids[offsets[stack] : offsets[stack + 1]][::-1]
            path = stacks[stack] = Sample(location_id=leaf_first).SerializeToString()
        value = amounts.get(row_values)
        if value is None:
            value = amounts[row_values] = Sample(value=row_values).SerializeToString()
        own = labels.get(context)
        if own is None:
            own = labels[context] = _labels(builder, selected.contexts[context])
        samples.append(path + value + own)
    profile.sample.extend(samples)
    return profile


def _labels(builder: _Builder, context: EventContext) -> bytes:
    """A context's labels as a serialized Sample: appended to a sample's own fields, they
    merge into it."""
    sample = Sample()
    for key, field in LABELS:
        value = getattr(context, field)
        if not value:
            continue
        if isinstance(value, int):
            sample.label.add(key=builder.string(key), num=value)
        else:
            sample.label.add(key=builder.string(key), str=builder.string(value))
    serialized: bytes = sample.SerializeToString()
    return serialized
