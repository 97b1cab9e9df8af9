"""A selection in speedscope's file format: one sampled profile per thread name.

Frames are the flamegraph's boxes (inline chains expanded when the selection
expands them), with file and line where known. Each profile's samples are
the thread's distinct stacks, outermost first, heaviest first, weighed in
the selection's unit (events, or nanoseconds for off-CPU alone); speedscope
shows them in its Left Heavy and Sandwich views.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import numpy as np

from devfiler import __version__
from devfiler.analysis.results import Unit
from devfiler.export.selected import SelectedProfile

SCHEMA = "https://www.speedscope.app/file-format-schema.json"
_UNITS = {Unit.SAMPLES: "none", Unit.NANOSECONDS: "nanoseconds"}


def speedscope_document(selected: SelectedProfile, name: str) -> dict[str, Any]:
    frames: list[dict[str, Any]] = []
    frame_codes: list[list[int]] = []
    for chain in selected.locations:
        codes = []
        for box in chain:
            codes.append(len(frames))
            frame: dict[str, Any] = {"name": box.function}
            if box.source is not None and box.source.file:
                frame["file"] = box.source.file
                if box.source.line:
                    frame["line"] = box.source.line
            frames.append(frame)
        frame_codes.append(codes)
    merged = _thread_stacks(selected, frame_codes)
    profiles = []
    for thread in sorted(merged, key=lambda t: (-sum(merged[t].values()), t)):
        stacks = sorted(merged[thread].items(), key=lambda item: (-item[1], item[0]))
        total = sum(weight for _, weight in stacks)
        profiles.append(
            {
                "type": "sampled",
                "name": thread or "(no thread name)",
                "unit": _UNITS[selected.unit],
                "startValue": 0,
                "endValue": total,
                "samples": [list(stack) for stack, _ in stacks],
                "weights": [weight for _, weight in stacks],
            }
        )
    return {
        "$schema": SCHEMA,
        "name": name,
        "exporter": f"devfiler {__version__}",
        "activeProfileIndex": 0,
        "shared": {"frames": frames},
        "profiles": profiles,
    }


def _thread_stacks(
    selected: SelectedProfile, frame_codes: list[list[int]]
) -> dict[str, dict[tuple[int, ...], int]]:
    """Weight per thread name and stack of frame codes (outermost first), summed with numpy."""
    names = sorted({context.thread_name for context in selected.contexts})
    number = {name: i for i, name in enumerate(names)}
    thread_of = np.array([number[c.thread_name] for c in selected.contexts], dtype=np.int64)
    weights = selected.unit_weights()
    kept = weights > 0
    n_stacks = max(len(selected.offsets) - 1, 1)
    keys, inverse = np.unique(
        thread_of[selected.context[kept]] * n_stacks + selected.stack[kept], return_inverse=True
    )
    sums = np.bincount(inverse.reshape(-1), weights=weights[kept], minlength=len(keys))
    codes, offsets = selected.codes.tolist(), selected.offsets.tolist()
    merged: dict[str, dict[tuple[int, ...], int]] = defaultdict(dict)
    for key, weight in zip(keys.tolist(), np.rint(sums).astype(np.int64).tolist(), strict=True):
        thread, stack = divmod(key, n_stacks)
        path = codes[offsets[stack] : offsets[stack + 1]]
        expanded = tuple(code for location in path for code in frame_codes[location])
        merged[names[thread]][expanded] = weight
    return merged


def speedscope_bytes(selected: SelectedProfile, name: str) -> bytes:
    document = speedscope_document(selected, name)
    return json.dumps(document, separators=(",", ":")).encode()
