"""Collapsed stacks: `thread;outermost;...;leaf WEIGHT`, the flamegraph as text lines."""

from __future__ import annotations

from collections import defaultdict

from devfiler.analysis.labels import SymbolLookup, thread_frame
from devfiler.analysis.results import CollapsedStacks, Selection
from devfiler.analysis.selection import select_events
from devfiler.analysis.stacks import load_stacks
from devfiler.analysis.tree import aggregate_pairs
from devfiler.storage.store import Store


def collapsed(
    store: Store, selection: Selection, symbols: SymbolLookup | None = None
) -> CollapsedStacks:
    """Lines with equal text (same thread, same labels) are merged; heaviest first, then text."""
    events = select_events(store, selection)
    table = load_stacks(store, events.columns, symbols, inline=selection.inline)
    traces, threads, weights = aggregate_pairs(
        events.columns.trace_index, events.thread_index, events.weights
    )
    offsets = table.offsets.tolist()
    codes = table.codes.tolist()
    texts = [box.collapsed for box in table.frames]
    thread_texts = [thread_frame(name).collapsed for name in events.thread_names]
    stack_text: dict[int, str] = {}
    lines: dict[str, int] = defaultdict(int)
    for trace, thread, weight in zip(
        traces.tolist(), threads.tolist(), weights.tolist(), strict=True
    ):
        body = stack_text.get(trace)
        if body is None:
            body = stack_text[trace] = "".join(
                ";" + texts[code] for code in codes[offsets[trace] : offsets[trace + 1]]
            )
        lines[thread_texts[thread] + body] += weight
    ordered = sorted(lines.items(), key=lambda item: (-item[1], item[0]))
    return CollapsedStacks(events.unit, events.start_ns, events.end_ns, tuple(ordered))
