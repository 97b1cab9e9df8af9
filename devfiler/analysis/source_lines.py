"""Self and total weight per source line of one function, and the source text beside them.

A box knows the file and line it was symbolized to (`LabeledFrame.source`).
For the function's boxes, a trace adds its weight once to every line of the
function on it (recursion counts once, like Top functions) and to the line of
its leaf as self weight; this is numpy per distinct trace. The source file is
read from this machine: paths recorded on the profiled host are mapped with
`--source-root OLD=NEW` pairs (the first matching prefix wins).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from devfiler.analysis.profile import Profile
from devfiler.analysis.results import Unit

MAX_SOURCE_BYTES = 8 * 1024 * 1024
"""A source file larger than this is not shown (it is most likely no source file)."""


@dataclass(frozen=True, slots=True)
class LineWeight:
    file: str
    line: int
    self_weight: int
    total_weight: int


@dataclass(frozen=True, slots=True)
class FunctionLines:
    """The function's lines that carry weight, by file and line."""

    unit: Unit
    function: str
    total: int
    """Weight of every event of the profile: the 100% of shares."""
    lines: tuple[LineWeight, ...]

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(row.file for row in self.lines))


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file's text as read here, or why it could not be."""

    recorded: str
    local: str
    text: tuple[str, ...] = ()
    problem: str = ""


def function_lines(profile: Profile, function: str) -> FunctionLines:
    """Weights per (file, line) of `function` (a name, or a whole box label)."""
    table = profile.stacks
    positions: dict[tuple[str, int], int] = {}
    line_of_code = np.full(len(table.frames), -1, dtype=np.int64)
    for code, box in enumerate(table.frames):
        if function in (box.function, box.label) and box.source is not None:
            key = (box.source.file, box.source.line)
            line_of_code[code] = positions.setdefault(key, len(positions))
    trace_weight = profile.trace_weights()
    line_at = line_of_code[table.codes]
    hits = np.flatnonzero(line_at >= 0)
    trace_of_hit = np.searchsorted(table.offsets, hits, side="right") - 1
    n_lines = max(len(positions), 1)
    pairs = np.unique(trace_of_hit * n_lines + line_at[hits])
    total = np.bincount(pairs % n_lines, weights=trace_weight[pairs // n_lines], minlength=n_lines)
    leaves = table.leaf_codes()
    leaf_line = np.where(leaves >= 0, line_of_code[np.maximum(leaves, 0)], -1)
    own = leaf_line >= 0
    self_sum = np.bincount(leaf_line[own], weights=trace_weight[own], minlength=n_lines)
    own_weights = np.rint(self_sum).astype(np.int64).tolist()
    total_weights = np.rint(total).astype(np.int64).tolist()
    rows = [
        LineWeight(file, line, own_weights[i], total_weights[i])
        for (file, line), i in positions.items()
    ]
    rows.sort(key=lambda row: (row.file, row.line))
    return FunctionLines(profile.unit, function, profile.total, tuple(rows))


def parse_source_roots(pairs: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """`OLD=NEW` texts as (old prefix, new prefix); ValueError for any other text."""
    roots = []
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old:
            raise ValueError(f"--source-root {pair!r} is not OLD=NEW")
        roots.append((old, new))
    return tuple(roots)


def local_path(recorded: str, roots: Sequence[tuple[str, str]]) -> str:
    for old, new in roots:
        if recorded.startswith(old):
            return new + recorded[len(old) :]
    return recorded


def read_source(recorded: str, roots: Sequence[tuple[str, str]]) -> SourceFile:
    """The file's lines, or the reason it cannot be shown (missing, too large, not text)."""
    local = local_path(recorded, roots)
    path = Path(local)
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            return SourceFile(recorded, local, problem=f"{local} is larger than 8 MiB")
        data = path.read_bytes()
    except OSError as error:
        return SourceFile(recorded, local, problem=f"cannot read {local}: {error.strerror}")
    if b"\0" in data:
        return SourceFile(recorded, local, problem=f"{local} is not a text file")
    text = data.decode("utf-8", errors="replace")
    return SourceFile(recorded, local, tuple(text.splitlines()))
