"""Collapsed stacks: `thread;outermost;...;leaf WEIGHT`, the flamegraph as text lines."""

from __future__ import annotations

from collections import defaultdict

from devfiler.analysis.labels import thread_frame
from devfiler.analysis.profile import Profile
from devfiler.analysis.results import CollapsedStacks


def collapsed(profile: Profile) -> CollapsedStacks:
    """Lines with equal text (same thread, same labels) are merged; heaviest first, then text."""
    table = profile.stacks
    offsets = table.offsets.tolist()
    codes = table.codes.tolist()
    texts = [box.collapsed for box in table.frames]
    thread_texts = [thread_frame(name).collapsed for name in profile.thread_names]
    stack_text: dict[int, str] = {}
    lines: dict[str, int] = defaultdict(int)
    for trace, thread, weight in zip(
        profile.pair_trace.tolist(),
        profile.pair_thread.tolist(),
        profile.pair_weight.tolist(),
        strict=True,
    ):
        body = stack_text.get(trace)
        if body is None:
            body = stack_text[trace] = "".join(
                ";" + texts[code] for code in codes[offsets[trace] : offsets[trace + 1]]
            )
        lines[thread_texts[thread] + body] += weight
    ordered = sorted(lines.items(), key=lambda item: (-item[1], item[0]))
    return CollapsedStacks(profile.unit, profile.start_ns, profile.end_ns, tuple(ordered))
