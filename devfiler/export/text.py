"""Plain-text output of `devfiler query` (without --json): trees, tables, lines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from devfiler.analysis.results import (
    CollapsedStacks,
    FlameNode,
    FlameScope,
    Timeline,
    TopFunctions,
    Unit,
)
from devfiler.analysis.top_summary import summary_line


def clock(ns: int) -> str:
    """UTC ISO 8601 with nanoseconds."""
    seconds, rest = divmod(ns, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{rest:09d}Z"


def weight_text(weight: int, unit: Unit) -> str:
    return f"{weight} ns" if unit is Unit.NANOSECONDS else str(weight)


def collapsed_lines(result: CollapsedStacks) -> str:
    return "".join(f"{text} {weight}\n" for text, weight in result.lines)


def timeline_lines(result: Timeline) -> str:
    return "".join(f"{clock(start)} {weight_text(w, result.unit)}\n" for start, w in result.buckets)


def flamescope_lines(result: FlameScope) -> str:
    return "".join(
        f"{clock(second)} {row * 10:3d}ms {weight_text(w, result.unit)}\n"
        for second, row, w in result.cells()
    )


def tree(root: FlameNode, unit: Unit, min_pct: float) -> str:
    """Indented boxes with weight and share of the root; small ones are left out."""
    lines: list[str] = []
    grand = root.weight or 1

    pending = [(root, 0)]  # a loop, not recursion: stacks can be thousands of frames deep
    while pending:
        node, depth = pending.pop()
        share = 100.0 * node.weight / grand
        change = (
            "" if node.change is None else f" base {node.base_weight} change {node.change:+.2f}"
        )
        lines.append(
            f"{'  ' * depth}{share:6.2f}% {weight_text(node.weight, unit)}"
            f" (self {node.self_weight}){change} {node.label}"
        )
        pending.extend(
            (child, depth + 1)
            for child in reversed(node.children)
            if 100.0 * child.weight / grand >= min_pct or child.base_weight
        )
    return "".join(line + "\n" for line in lines)


def top_table(result: TopFunctions, filter_text: str = "") -> str:
    """The table, then the summary when the list is cut; only the summary when it is empty."""
    summary = summary_line(result, filter_text=filter_text)
    if not result.items:
        return summary + "\n"
    rows = [f"{'self%':>7} {'total%':>7} {'self':>12} {'total':>12}  function  file"]
    rows.extend(
        f"{item.self_pct:7.2f} {item.total_pct:7.2f} {item.self_weight:12d} "
        f"{item.total_weight:12d}  {item.function}  {item.file}"
        for item in result.items
    )
    if result.functions_total > len(result.items):
        rows.append(summary)
    return "".join(row + "\n" for row in rows)


def key_values(doc: dict[str, Any]) -> str:
    return "".join(f"{key}: {json_text(value)}\n" for key, value in doc.items())


def json_text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)
