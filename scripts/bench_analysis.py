#!/usr/bin/env python3
"""Time the analysis queries over a store shaped like one hour of a 16-CPU host at 20 Hz.

Fills a store through Store.write with synthetic 5 s batches (about 1.15M
on-CPU samples, 50k distinct stacks, 200 thread names), then runs each query
in a fresh process and prints its wall time, CPU time (user + system, less
sensitive to other load on a shared machine) and peak RSS.

    .venv/bin/python scripts/bench_analysis.py [--dir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from devfiler.config import data_paths
from devfiler.identity import make_trace
from devfiler.model import EventContext, Executable, FileId, FrameId, FrameKind, SampleKind
from devfiler.storage.batch import EventRows, IngestBatch
from devfiler.storage.store import Store

SECOND = 1_000_000_000
T0 = 1_700_000_000 * SECOND
HOUR = 3600
RATE = 16 * 20
STACKS = 50_000
THREADS = 200
EXES = [FileId(0x1000 + i) for i in range(20)]


def fill(path: Path, seed: int = 7) -> int:
    rng = np.random.default_rng(seed)
    depth = rng.integers(8, 40, STACKS)
    traces = []
    for i in range(STACKS):
        # Shared prefixes: callers come from a small pool, leaves vary widely.
        prefix = [FrameId(EXES[k % 3], 0x1000 + 16 * k) for k in range(int(depth[i]) // 2)]
        tail = rng.integers(0, 20_000, int(depth[i]) - len(prefix))
        frames = [FrameId(EXES[int(a) % 20], 0x400000 + 8 * int(a)) for a in tail] + prefix[::-1]
        traces.append(make_trace(tuple(frames), (FrameKind.NATIVE,) * len(frames)))
    # A stack runs on one thread, as in real programs.
    contexts = [EventContext(f"thread-{t}", t, t % 16, 1000 + t // 10) for t in range(THREADS)]
    weights = 1.0 / np.arange(1, STACKS + 1) ** 0.9
    weights /= weights.sum()
    total = 0
    with Store.open(data_paths(path)) as store:
        for batch_start in range(0, HOUR, 5):
            n = RATE * 5
            picks = rng.choice(STACKS, n, p=weights)
            used, local = np.unique(picks, return_inverse=True)
            stamps = T0 + batch_start * SECOND + np.sort(rng.integers(0, 5 * SECOND, n))
            store.write(
                IngestBatch(
                    traces=[traces[i] for i in used.tolist()],
                    executables=[Executable(e, f"lib{e.value:x}.so") for e in EXES],
                    contexts=contexts,
                    events=[
                        EventRows(
                            SampleKind.ON_CPU,
                            stamps.astype(np.int64),
                            local.astype(np.uint32),
                            (picks % THREADS).astype(np.uint32),
                            np.ones(n, dtype=np.int64),
                        )
                    ],
                )
            )
            total += n
    return total


def run_query(path: Path, name: str) -> None:
    """Child process: one query, then its wall time, CPU time and peak RSS on stdout."""
    from devfiler.analysis.flamegraph import flamegraph, flamegraph_table
    from devfiler.analysis.flamescope import flamescope
    from devfiler.analysis.profile import load_profile
    from devfiler.analysis.results import Selection
    from devfiler.analysis.selection import select_times
    from devfiler.analysis.timeline import timeline
    from devfiler.analysis.topfunctions import top_functions

    views: dict[str, Callable[[Store, Selection], object]] = {
        "flamegraph_table": lambda store, s: flamegraph_table(load_profile(store, s)),
        "flamegraph": lambda store, s: flamegraph(load_profile(store, s)),
        "top_functions": lambda store, s: top_functions(load_profile(store, s)),
        "timeline": lambda store, s: timeline(select_times(store, s)),
        "flamescope": lambda store, s: flamescope(select_times(store, s)),
    }
    with Store.open_reader(data_paths(path)) as store:
        began, cpu_began = time.perf_counter(), time.process_time()
        views[name](store, Selection())
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{elapsed:.3f} {cpu:.3f} {rss_mb:.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, help="store folder (filled when empty)")
    parser.add_argument("--keep", action="store_true", help="keep the store afterwards")
    parser.add_argument("--query", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.query:
        run_query(args.dir, args.query)
        return 0
    folder = args.dir or Path(tempfile.mkdtemp(prefix="devfiler-bench-"))
    if not (folder / "db" / "CURRENT").exists():
        began = time.perf_counter()
        events = fill(folder)
        print(f"filled {events} events in {time.perf_counter() - began:.1f} s")
    budgets = {
        "flamegraph_table": 1.0,
        "flamegraph": 1.0,
        "top_functions": 1.5,
        "timeline": 0.2,
        "flamescope": 0.5,
    }
    print(
        f"{'query':<16} {'seconds':>8} {'CPU s':>7} {'budget':>7} {'ratio':>6} {'peak RSS MB':>12}"
    )
    for name, budget in budgets.items():
        out = subprocess.run(
            [sys.executable, __file__, "--dir", str(folder), "--query", name],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        seconds, cpu, rss = float(out[0]), float(out[1]), out[2]
        print(
            f"{name:<16} {seconds:8.3f} {cpu:7.3f} {budget:7.1f} {seconds / budget:6.2f} {rss:>12}"
        )
    if not args.keep and args.dir is None:
        shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
