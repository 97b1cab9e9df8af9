"""A function's source lines with their weights, as `query lines` prints them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from devfiler.analysis.source_lines import FunctionLines, LineWeight, SourceFile
from devfiler.export.json_doc import Json

CONTEXT_LINES = 2
"""Lines of source shown before the first and after the last line with weight."""


@dataclass(frozen=True, slots=True)
class ShownLine:
    """One row of the view: a line number, its weights (0 when none) and its text."""

    line: int
    self_weight: int
    total_weight: int
    text: str


def shown_lines(
    weights: Sequence[LineWeight], source: SourceFile, *, whole: bool
) -> tuple[ShownLine, ...]:
    """The rows for one file: its weighted lines with the text around them (or all of it).

    Without the text (the file is not here) only the weighted lines remain.
    """
    by_line = {row.line: row for row in weights}
    if not source.text:
        return tuple(ShownLine(r.line, r.self_weight, r.total_weight, "") for r in weights)
    numbers = [n for n in by_line if n > 0]
    first = 1 if whole or not numbers else max(min(numbers) - CONTEXT_LINES, 1)
    last = len(source.text) if whole or not numbers else max(numbers) + CONTEXT_LINES
    rows = []
    for number in range(first, min(last, len(source.text)) + 1):
        weight = by_line.get(number)
        rows.append(
            ShownLine(
                number,
                weight.self_weight if weight else 0,
                weight.total_weight if weight else 0,
                source.text[number - 1],
            )
        )
    return tuple(rows)


def lines_json(
    result: FunctionLines, files: Sequence[tuple[SourceFile, Sequence[ShownLine]]]
) -> Json:
    return {
        "unit": result.unit.value,
        "function": result.function,
        "total": result.total,
        "files": [
            {
                "file": source.recorded,
                "local": source.local,
                "problem": source.problem,
                "lines": [
                    {"line": r.line, "self": r.self_weight, "total": r.total_weight, "text": r.text}
                    for r in rows
                ],
            }
            for source, rows in files
        ],
    }


def file_heading(source: SourceFile) -> str:
    """The recorded path, where it was read from when mapped, and why it is missing."""
    where = source.recorded
    if source.local != source.recorded:
        where += f" (read from {source.local})"
    return f"{where}: {source.problem}" if source.problem else where


def lines_text(
    result: FunctionLines, files: Sequence[tuple[SourceFile, Sequence[ShownLine]]]
) -> str:
    """Per file a header, then `self total line | text` rows; blank gutters where no weight."""
    if not files:
        return f"No line information for {result.function}.\n"
    out = []
    for source, rows in files:
        out.append(file_heading(source))
        out.append(f"{'self':>10} {'total':>10} {'line':>6}")
        for row in rows:
            self_text = str(row.self_weight) if row.self_weight else ""
            total_text = str(row.total_weight) if row.total_weight else ""
            out.append(f"{self_text:>10} {total_text:>10} {row.line:>6} | {row.text}".rstrip())
    return "".join(line + "\n" for line in out)
