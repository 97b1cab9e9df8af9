#!/usr/bin/env python3
"""Time the stack shapes, the samples behind a frame and source lines over an hour's store.

Uses the store of bench_analysis.py (one hour of a 16-CPU host at 20 Hz:
1.15M events, 50 000 stacks, about 20 000 distinct frames). The profile is
loaded once; each step then runs `--runs` times in this process and the
fastest wall and CPU time (user + system) are printed. Reshaping is what the
window does on every refresh while an ignore list, merged recursion or a
focus is on, so it is compared with the load it follows.

    .venv/bin/python scripts/bench_shape.py [--dir DIR] [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_analysis import fill

from devfiler.analysis.flamegraph import flamegraph_table
from devfiler.analysis.profile import Profile, load_profile
from devfiler.analysis.results import Selection
from devfiler.analysis.samples import FrameTarget, samples_behind
from devfiler.analysis.shape import shaped
from devfiler.analysis.shape_options import IgnoreAction, IgnoreRule, StackShape
from devfiler.analysis.source_lines import function_lines
from devfiler.config import data_paths
from devfiler.storage.store import Store


def timed(step: Callable[[], object], runs: int) -> tuple[float, float]:
    best_wall, best_cpu = float("inf"), float("inf")
    for _ in range(runs):
        began, cpu_began = time.perf_counter(), time.process_time()
        step()
        best_wall = min(best_wall, time.perf_counter() - began)
        best_cpu = min(best_cpu, time.process_time() - cpu_began)
    return best_wall, best_cpu


def reshaping(profile: Profile, shape: StackShape) -> Callable[[], object]:
    return lambda: shaped(profile, shape)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, help="store folder (filled when empty)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="devfiler-bench-"))
    if not (folder / "db" / "CURRENT").exists():
        print(f"filled {fill(folder)} events")
    with Store.open_reader(data_paths(folder)) as store:
        profile = load_profile(store, Selection())
        busy = profile.stacks.frames[int(profile.stacks.codes[0])]
        ignore = (
            IgnoreRule(r"^lib1003\.so"),
            IgnoreRule(r"\+0x40[0-4]", IgnoreAction.CUT),
        )
        shapes = {
            "ignore (hide + cut)": StackShape(ignore=ignore),
            "merge recursion": StackShape(merge_recursion=True),
            "focus": StackShape(focus=busy.function),
            "all three": StackShape(ignore=ignore, merge_recursion=True, focus=busy.function),
        }
        steps: dict[str, Callable[[], object]] = {
            "load_profile (for scale)": lambda: load_profile(store, Selection()),
            "flamegraph_table (for scale)": lambda: flamegraph_table(profile),
        }
        for name, shape in shapes.items():
            steps[f"reshape: {name}"] = reshaping(profile, shape)
        steps["samples behind a frame"] = lambda: samples_behind(
            store, Selection(), None, FrameTarget(function=busy.function)
        )
        steps["source lines of a function"] = lambda: function_lines(profile, busy.function)
        print(
            f"{len(profile)} events, {len(profile.stacks)} stacks, "
            f"{len(profile.stacks.frames)} frames; focus on {busy.function}"
        )
        print(f"{'step':<34} {'wall s':>8} {'CPU s':>8}")
        for name, step in steps.items():
            wall, cpu = timed(step, args.runs)
            print(f"{name:<34} {wall:8.3f} {cpu:8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
