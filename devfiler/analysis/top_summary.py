"""The sentence under (or instead of) a top functions table, for the window and the CLI.

An empty table says nothing on its own: the line tells an unmatched filter
from an empty range, and says when the list is cut short.
"""

from __future__ import annotations

from devfiler.analysis.results import TopFunctions


def summary_line(result: TopFunctions, *, filter_text: str = "", empty: str = "") -> str:
    """Why the table is empty, or how many functions matched and whether the list is cut.

    `empty` is what to say when the range held no samples at all.
    """
    if not result.total:
        return empty or "No samples in this time range."
    if not result.functions_total and filter_text:
        return f'No function matches "{filter_text}".'
    line = f"{result.functions_total} functions total."
    if result.functions_total > len(result.items):
        line += f" List truncated to {len(result.items)} entries."
    return line
