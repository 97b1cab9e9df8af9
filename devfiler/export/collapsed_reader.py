"""Collapsed stacks text (flamegraph.pl's input) as an OTLP request.

Each line is `first;outer;...;leaf COUNT`. The first element names the
thread, as in devfiler's own output and in `stackcollapse-perf.pl`'s (the
command name); the others are frames, outermost first. A frame written
`function (file:line)` keeps its file and line. The text has no time: every
event is stamped with the time of the import.
"""

from __future__ import annotations

import re

from devfiler.export.otlp_builder import MAX_EVENTS, ConversionError, Converted, RequestBuilder
from devfiler.model import SampleKind

_LINE = re.compile(r"^(.+?)\s+(\d+)$")
_WHERE = re.compile(r"^(.+?) \(([^()]+?)(?::(\d+))?\)$")


def looks_collapsed(text: str) -> bool:
    """Whether the first line with content is `stack COUNT`."""
    for line in text.splitlines():
        if line.strip():
            return bool(_LINE.match(line.strip())) and ";" in line
    return False


def collapsed_request(text: str, received_ns: int) -> Converted:
    builder = RequestBuilder()
    profile = builder.profile((), SampleKind.ON_CPU)
    frames: dict[str, int] = {}
    total = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None:
            raise ConversionError(
                f"line {number}: expected 'thread;frame;...;frame COUNT': {raw!r}"
            )
        stack_text, count_text = match.groups()
        thread, *names = stack_text.split(";")
        count = int(count_text)
        total += count
        if total > MAX_EVENTS:
            raise ConversionError(f"more than {MAX_EVENTS} events: devfiler imports at most that")
        if not count:
            continue
        locations = []
        for name in reversed(names):
            location = frames.get(name)
            if location is None:
                location = frames[name] = _location(builder, name)
            locations.append(location)
        profile.samples.add(
            stack_index=builder.stack(locations),
            attribute_indices=[builder.attribute("thread.name", thread)],
            timestamps_unix_nano=[received_ns] * count,
        )
    if not total:
        raise ConversionError("no stack with a count above zero")
    return Converted(builder.request, total)


def _location(builder: RequestBuilder, name: str) -> int:
    where = _WHERE.match(name)
    if where is None:
        function, file, line = name, "", 0
    else:
        function, file, line = where.group(1), where.group(2), int(where.group(3) or 0)
    return builder.location(0, 0, [(builder.function(function, file), line)], "native")
