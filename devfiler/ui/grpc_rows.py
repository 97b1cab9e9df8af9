"""Request log records and payload trees -> the gRPC tab's rows and tree entries (pure)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from devfiler.services.requests import Outcome, RequestRecord
from devfiler.ui.theme import RGB, TEXT

MAX_CHILDREN = 200
"""Children shown under one tree node; the rest are counted in one line."""
MAX_VALUE_CHARS = 200
OUTCOME_COLOURS: dict[Outcome, RGB] = {
    Outcome.OK: TEXT,
    Outcome.PARTIAL: (235, 200, 90),
    Outcome.REFUSED: (240, 100, 90),
}


def _size(n: int) -> str:
    for threshold, suffix in ((1 << 20, "MiB"), (1 << 10, "KiB")):
        if n >= threshold:
            return f"{n / threshold:.1f} {suffix}"
    return f"{n} B"


def record_cells(record: RequestRecord) -> tuple[str, str, str, str, str]:
    """Time, peer, size, samples, outcome (with the message when there is one)."""
    seconds, ns = divmod(record.received_ns, 1_000_000_000)
    stamp = f"{time.strftime('%H:%M:%S', time.localtime(seconds))}.{ns // 1_000_000:03d}"
    outcome = record.outcome.value
    if record.message:
        outcome = f"{outcome}: {record.message}"
    return (stamp, record.peer, _size(record.payload_size), f"{record.samples:,}", outcome)


def newest_first(records: Sequence[RequestRecord]) -> list[RequestRecord]:
    return list(reversed(records))


@dataclass(frozen=True, slots=True)
class TreeEntry:
    label: str
    children: Any
    """The dict or list below this entry; None for a leaf (its value is in the label)."""


def _leaf(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + "..."
    return text


def tree_entries(node: Any) -> list[TreeEntry]:
    """One level of a payload tree: containers open further, scalars are leaves."""
    if isinstance(node, dict):
        items: list[tuple[str, Any]] = [(str(k), v) for k, v in node.items()]
    elif isinstance(node, list):
        items = [(f"[{i}]", v) for i, v in enumerate(node)]
    else:
        return []
    entries = []
    for key, value in items[:MAX_CHILDREN]:
        if isinstance(value, dict) and value:
            entries.append(TreeEntry(f"{key} {{{len(value)}}}", value))
        elif isinstance(value, list) and value:
            entries.append(TreeEntry(f"{key} [{len(value)}]", value))
        else:
            entries.append(TreeEntry(f"{key}: {_leaf(value)}", None))
    if len(items) > MAX_CHILDREN:
        entries.append(TreeEntry(f"... {len(items) - MAX_CHILDREN:,} more", None))
    return entries
