"""What an empty view says: why it holds nothing, and what to do about it.

An empty flamegraph or table on its own reads as a broken tool; most often
the agent was simply not asked for that kind of sample, or a filter left
nothing.
"""

from __future__ import annotations

from devfiler.model import SampleKind

OFF_CPU = (
    "No off-CPU samples in this time range. The agent records off-CPU time only "
    "when started with -off-cpu-threshold (the share of context switches to record, "
    "from 0, the default, which records none, to 1), e.g. -off-cpu-threshold 0.1."
)
UPROBE = (
    "No uprobe samples in this time range. The agent records them only for the "
    "functions it attaches probes to: its -probe-link option, written "
    "probe_type:target[:symbol], e.g. -probe-link uprobe:/usr/bin/app:function."
)
FILTERED = (
    "No samples match the filters in this time range. Remove a filter "
    "(click its chip) or pick a longer range."
)
NOTHING = (
    'No samples in this time range. Point the agent at devfiler (see "Add data"), '
    'or pick a longer range with the "Last" buttons or on the timeline.'
)


def empty_reason(kinds: frozenset[SampleKind], *, filtered: bool) -> str:
    """Why a selection of these sample kinds (with or without filters) found nothing."""
    if filtered:
        return FILTERED
    if kinds == frozenset({SampleKind.OFF_CPU}):
        return OFF_CPU
    if kinds == frozenset({SampleKind.UPROBE}):
        return UPROBE
    return NOTHING
