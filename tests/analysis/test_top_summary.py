"""The top functions summary: truncation, an unmatched filter, an empty range."""

from __future__ import annotations

from devfiler.analysis.results import TopFunction, TopFunctions, Unit
from devfiler.analysis.top_summary import summary_line
from devfiler.model import FrameKind


def item(name: str) -> TopFunction:
    return TopFunction(name, "", FrameKind.NATIVE, 1, 1, 10.0, 10.0)


def test_summary_line_mentions_truncation() -> None:
    items = tuple(item(str(i)) for i in range(3))
    assert summary_line(TopFunctions(Unit.SAMPLES, 0, 1, 10, 3, items)) == "3 functions total."
    assert summary_line(TopFunctions(Unit.SAMPLES, 0, 1, 10, 5541, items)) == (
        "5541 functions total. List truncated to 3 entries."
    )


def test_summary_line_says_why_the_table_is_empty() -> None:
    nothing = TopFunctions(Unit.SAMPLES, 0, 1, 0, 0)
    assert summary_line(nothing, empty="No off-CPU samples.") == "No off-CPU samples."
    unmatched = TopFunctions(Unit.SAMPLES, 0, 1, 10, 0)
    assert summary_line(unmatched, filter_text="zzz") == 'No function matches "zzz".'
