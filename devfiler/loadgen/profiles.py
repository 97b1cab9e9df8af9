"""Named host shapes for the synthetic agent (`devfiler loadgen --profile NAME`).

The default shape is friendly: few distinct stacks per event. What costs a
viewer is breadth (distinct traces x depth x threads), so `busy-host` is the
shape speed goals are stated on: one hour of a 16-CPU host at the agent's
20 Hz is 1.15 M on-CPU events over about 50 000 distinct stacks.
"""

from __future__ import annotations

from typing import Any

from devfiler.model import SampleKind

PROFILES: dict[str, dict[str, Any]] = {
    "default": {},
    "busy-host": {
        "rate": 400.0,
        "shares": ((SampleKind.ON_CPU, 0.8), (SampleKind.OFF_CPU, 0.2)),
        "kinds": (SampleKind.ON_CPU, SampleKind.OFF_CPU),
        "processes": 40,
        "threads": 5,
        "stacks_per_process": (1000, 1500),
        "stack_skew": 0.8,
        "cpus": 16,
        "thread_ids_in_names": True,
    },
}
"""LoadParams values of each shape; command-line options given explicitly win.

busy-host: 320 on-CPU samples/s (16 CPUs at 20 Hz) plus 80 off-CPU samples/s,
40 processes of 5 threads (200 thread names), 1000-1500 stacks each.
"""
