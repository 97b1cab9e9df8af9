"""Results as JSON-ready dicts: the contract of `devfiler query ... --json`.

Every range result carries `unit`, `start` and `end`; frame kinds are the
agent's wire names (`native`, `cpython`, ...), the root is `root` and the
thread level `thread`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from devfiler.analysis.results import (
    CollapsedStacks,
    FlameGraph,
    FlameNode,
    FlameScope,
    Sandwich,
    StoreStats,
    Timeline,
    TopFunctions,
    TraceStats,
    Unit,
)
from devfiler.model import FrameKind, SampleKind

Json = dict[str, Any]


def _range(unit: Unit, start_ns: int, end_ns: int) -> Json:
    return {"unit": unit.value, "start": start_ns, "end": end_ns}


def kind_text(kind: FrameKind | None, kind_name: str, *, at_root: bool) -> str:
    if kind is None:
        return "root" if at_root else "thread"
    if kind is FrameKind.OTHER and kind_name:
        return kind_name
    return kind.wire_name


def node_json(node: FlameNode, *, at_root: bool = True) -> Json:
    """The node and everything under it; a loop, not recursion, as stacks can be deeper
    than Python's recursion limit."""
    root = _node_fields(node, at_root=at_root)
    pending = [(node, root)]
    while pending:
        parent, doc = pending.pop()
        for child in parent.children:
            child_doc = _node_fields(child, at_root=False)
            doc["children"].append(child_doc)
            pending.append((child, child_doc))
    return root


def _node_fields(node: FlameNode, *, at_root: bool) -> Json:
    doc: Json = {
        "label": node.label,
        "kind": kind_text(node.kind, node.kind_name, at_root=at_root),
        "weight": node.weight,
        "self": node.self_weight,
    }
    if node.kind is not None:
        doc["function"] = node.function
        doc["file"] = node.file
        doc["key"] = node.frame_key
        doc["inline"] = node.inline
        doc["error"] = node.error
    if node.file_id is not None:
        doc["file_id"] = node.file_id.hex()
        doc["address"] = node.address
    if node.base_weight is not None:
        doc["base"] = node.base_weight
        doc["change"] = node.change
    doc["children"] = []
    return doc


def write_json(doc: object, out: TextIO, *, compact: bool = False) -> None:
    """`json.dump(doc, out, indent=1)` without its nesting limit (about 500 flamegraph levels);
    `compact` writes what `separators=(",", ":")` would, on one line.

    Same text as json.dump, written from an explicit stack of open
    containers, so any depth the store holds prints.
    """
    encode = json.JSONEncoder().encode
    stack: list[tuple[Iterator[Any], bool, int]] = []
    item: Any = doc
    while True:
        if isinstance(item, dict):
            out.write("{" if item else "{}")
            if item:
                stack.append((iter(item.items()), True, 0))
        elif isinstance(item, list | tuple):
            out.write("[" if item else "[]")
            if item:
                stack.append((iter(item), False, 0))
        else:
            out.write(encode(item))
        while stack:
            entries, is_dict, written = stack[-1]
            entry: Any = next(entries, _END)
            if entry is _END:
                stack.pop()
                indent = "" if compact else "\n" + " " * len(stack)
                out.write(indent + ("}" if is_dict else "]"))
                continue
            stack[-1] = (entries, is_dict, written + 1)
            out.write(("," if written else "") + ("" if compact else "\n" + " " * len(stack)))
            if is_dict:
                key, item = entry
                out.write(encode(str(key)) + (":" if compact else ": "))
            else:
                item = entry
            break
        else:
            return


_END = object()


def flamegraph_json(graph: FlameGraph) -> Json:
    doc = _range(graph.unit, graph.start_ns, graph.end_ns)
    if graph.base_start_ns is not None:
        doc["base_start"] = graph.base_start_ns
        doc["base_end"] = graph.base_end_ns
    doc["root"] = node_json(graph.root)
    return doc


def sandwich_json(result: Sandwich) -> Json:
    """`root` is the function with its callees; `callers` the same function with its callers."""
    doc = _range(result.unit, result.start_ns, result.end_ns)
    doc["function"] = result.function
    doc["root"] = node_json(result.callees, at_root=False)
    doc["callers"] = node_json(result.callers, at_root=False)
    return doc


def timeline_json(result: Timeline) -> Json:
    doc = _range(result.unit, result.start_ns, result.end_ns)
    doc["step"] = result.step_ns
    doc["buckets"] = [list(bucket) for bucket in result.buckets]
    return doc


def top_json(result: TopFunctions, *, heat: bool = False) -> Json:
    doc = _range(result.unit, result.start_ns, result.end_ns)
    doc["total"] = result.total
    doc["functions_total"] = result.functions_total
    items = []
    for item in result.items:
        entry: Json = {
            "function": item.function,
            "file": item.file,
            "kind": kind_text(item.kind, item.kind_name, at_root=False),
            "self": item.self_weight,
            "total": item.total_weight,
            "self_pct": item.self_pct,
            "total_pct": item.total_pct,
        }
        if heat:
            entry["heat_self"] = [round(v, 4) for v in item.heat_self]
            entry["heat_total"] = [round(v, 4) for v in item.heat_total]
        items.append(entry)
    doc["items"] = items
    return doc


def flamescope_json(result: FlameScope) -> Json:
    doc = _range(result.unit, result.start_ns, result.end_ns)
    doc["column_ns"] = result.column_ns
    doc["cells"] = result.cells()
    return doc


def trace_stats_json(result: TraceStats) -> Json:
    doc = _range(result.unit, result.start_ns, result.end_ns)
    doc.update(
        events=result.events,
        unique_traces=result.unique_traces,
        unique_traces_without_leaf=result.unique_traces_without_leaf,
        events_per_trace=result.events_per_trace,
        events_per_trace_without_leaf=result.events_per_trace_without_leaf,
        frames=result.frames,
        unique_frames=result.unique_frames,
        frames_per_unique_frame=result.frames_per_unique_frame,
        histogram=[list(pair) for pair in result.count_histogram],
        histogram_without_leaf=[list(pair) for pair in result.count_histogram_without_leaf],
    )
    return doc


def collapsed_json(result: CollapsedStacks) -> Json:
    doc = _range(result.unit, result.start_ns, result.end_ns)
    doc["lines"] = [[text, weight] for text, weight in result.lines]
    return doc


def store_stats_json(result: StoreStats) -> Json:
    """The shape `devfiler query stats --json` has promised since the collector's first release."""
    names = {SampleKind.OFF_CPU: "off_cpu_ns"}
    return {
        "events": {kind.cli_name: result.events[kind] for kind in SampleKind},
        "weight": {names.get(kind, kind.cli_name): result.weight[kind] for kind in SampleKind},
        "traces": result.traces,
        "frames": result.frames,
        "executables": result.executables,
        "first_ts": result.first_ts,
        "last_ts": result.last_ts,
    }
