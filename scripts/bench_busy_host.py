#!/usr/bin/env python3
"""Build busy-host stores (1 h, 24 h) and time every headless query on them.

    .venv/bin/python scripts/bench_busy_host.py build --hours 1 --dir /tmp/busy-1h
    .venv/bin/python scripts/bench_busy_host.py build --hours 24 --dir /tmp/busy-24h
    .venv/bin/python scripts/bench_busy_host.py queries --dir /tmp/busy-1h [--tail 300]
    .venv/bin/python scripts/bench_busy_host.py summarize --dir /tmp/old-store
    .venv/bin/python scripts/bench_busy_host.py following --dir /tmp/busy-1h [--steps 60]

`build` makes one hour of `devfiler loadgen --profile busy-host` (seed 1),
decodes each request as the collector does and writes it to the store; for
more hours the same decoded hour is written again an hour later each time
(the same host all day; generating 27.6 M synthetic events in Python would
take longer than everything measured here). `build` ends by running the
summary job's passes to completion (storage/summary_job.py), as the window
or `devfiler collector` does in its first minutes on imported data, so that
`queries` measures the steady state; `summarize` does only that, on a store
built before summaries existed, and reports its CPU time and the summaries'
size. `queries` runs each
`devfiler query ... --json` in a fresh process and reports the time of the
command itself with the interpreter's start-up and imports excluded, its CPU
time and the process's peak RSS. `following` times the analysis of a window
following the present over the store's last hour, one agent interval per
step (the window itself: `scripts/bench_ui.py --only following`).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SECOND = 1_000_000_000
HOUR_NS = 3600 * SECOND
T0 = 1_700_000_000 * SECOND

QUERIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("flamegraph --min-share 0.0001", ("flamegraph", "--json", "--min-share", "0.0001")),
    ("flamegraph (complete)", ("flamegraph", "--json")),
    ("top", ("top", "--json")),
    ("timeline", ("timeline", "--json")),
    ("flamescope", ("flamescope", "--json")),
    ("stats", ("stats", "--json")),
)


def build(folder: Path, hours: int, minutes: int = 60) -> None:
    """`hours` copies of `minutes` of busy host, an hour apart (fewer minutes: a quick check)."""
    from devfiler.collector.decode import decode_request
    from devfiler.collector.frame_cache import FrameCache
    from devfiler.config import data_paths
    from devfiler.loadgen.params import LoadParams
    from devfiler.loadgen.profiles import PROFILES
    from devfiler.loadgen.requests import generate
    from devfiler.storage.batch import IngestBatch, TraceTable
    from devfiler.storage.store import Store

    params = LoadParams(start_ns=T0, duration_s=60 * minutes, **PROFILES["busy-host"])
    cache = FrameCache()
    hour: list[IngestBatch] = []
    events = 0
    began = time.perf_counter()
    with Store.open(data_paths(folder)) as store:
        for batch in generate(params):
            decoded = decode_request(batch.request.SerializeToString(), 0, cache).batch
            store.write(decoded)
            events += decoded.event_count
            table = decoded.trace_table
            # Later hours reuse the stored traces: keep only their hashes.
            hour.append(
                dataclasses.replace(
                    decoded,
                    traces=TraceTable(table.hashes, b"", np.zeros(len(table) + 1, np.int64)),
                    frames=[],
                )
            )
        print(f"hour 1: {events} events in {time.perf_counter() - began:.1f} s", flush=True)
        for h in range(1, hours):
            shift = h * HOUR_NS
            for batch in hour:
                events += batch.event_count
                store.write(
                    dataclasses.replace(
                        batch,
                        events=[
                            dataclasses.replace(rows, timestamps=rows.timestamps + shift)
                            for rows in batch.events
                        ],
                    )
                )
            print(f"hour {h + 1}: {events} events in {time.perf_counter() - began:.1f} s")
        store.flush()
    summarize(folder)


def summarize(folder: Path) -> None:
    """Run summary passes until nothing is left; their CPU time and the tables' size."""
    from devfiler.config import data_paths
    from devfiler.storage.store import Store
    from devfiler.storage.summary_job import summarize as summary_pass
    from devfiler.storage.tables import EVENTS, SUMMARY_TABLES

    with Store.open(data_paths(folder)) as store:
        cpu = 0.0
        while True:
            done = summary_pass(store, time.time_ns())
            cpu += done.cpu_s
            if not sum(done.built.values()):
                break
            print(f"summary pass: {done.built} in {done.cpu_s:.1f} s of CPU", flush=True)
        store.flush()
        for spec in (EVENTS, *SUMMARY_TABLES):
            store.compact(spec)
        sizes = {stats.name: stats.size_bytes for stats in store.table_stats()}
        events = sum(summary.events for _, summary in store.block_summaries())
    added = sum(sizes[spec.name] for spec in SUMMARY_TABLES)
    print(
        f"summaries: {cpu:.1f} s of CPU; {added / 1e6:.1f} MB on disk "
        f"({added / max(events, 1):.1f} bytes per event; the events take "
        f"{sizes[EVENTS.name] / max(events, 1):.1f}); "
        + ", ".join(f"{spec.name} {sizes[spec.name] / 1e6:.1f} MB" for spec in SUMMARY_TABLES)
    )


def run_one(argv: list[str]) -> None:
    """Child process: one query with stdout to /dev/null; wall, CPU seconds and peak RSS."""
    from devfiler import cli

    cli.build_parser()  # imports every command module, as start-up does
    null = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(1)
    os.dup2(null, 1)
    began, cpu_began = time.perf_counter(), time.process_time()
    status = cli.main(argv)
    sys.stdout.flush()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    os.dup2(saved, 1)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{elapsed:.3f} {cpu:.3f} {rss_mb:.0f} {status}")


def _data_end(folder: Path) -> int:
    from devfiler.analysis.stats import store_stats
    from devfiler.config import data_paths
    from devfiler.storage.store import Store

    with Store.open_reader(data_paths(folder)) as store:
        last = store_stats(store).last_ts
    return (last or 0) + 1


def queries(folder: Path, tail_s: int | None, runs: int, only: list[str]) -> None:
    """`tail_s`: only the data's last seconds (what `--last` is on a live store)."""
    window: list[str] = []
    if tail_s:
        end = _data_end(folder)
        window = ["--start", str(end - tail_s * SECOND), "--end", str(end)]
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'query':<32} {'seconds':>8} {'CPU s':>7} {'peak RSS MB':>12}")
    for name, args in QUERIES:
        if only and name.split()[0] not in only:
            continue
        argv = ["query", *args, "--data-dir", str(folder)]
        if args[0] != "stats":
            argv += window
        figures = []
        for _ in range(runs):
            out = subprocess.run(
                [sys.executable, __file__, "one", "--", *argv],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()
            figures.append((float(out[0]), float(out[1]), out[2], out[3]))
        seconds, cpu, rss, status = sorted(figures)[len(figures) // 2]
        note = "" if status == "0" else f" (exit {status})"
        print(f"{name:<32} {seconds:8.3f} {cpu:7.3f} {rss:>12}{note}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def following(folder: Path, steps: int) -> None:
    """The analysis of a window following the hour: each step moves the range by one
    agent interval and times, on this thread's CPU, the fold, the flamegraph from the
    kept trees (whole and zoomed into the heaviest thread, cut at a pixel of a 2048
    pixel wide graph and of that thread's zoom) and flattening it for drawing."""
    from devfiler.analysis.cut_tree import CutTree
    from devfiler.analysis.flamegraph import Zoom
    from devfiler.analysis.profile_fold import fold, load_followed
    from devfiler.analysis.results import Selection
    from devfiler.config import data_paths
    from devfiler.storage.store import Store
    from devfiler.ui.flame_model import flatten

    end = _data_end(folder) // SECOND * SECOND
    interval, share = 5 * SECOND, 1 / 2048
    first = end - steps * interval
    timings: dict[str, list[float]] = {"fold": [], "flamegraph": [], "flattening": []}
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with Store.open_reader(data_paths(folder)) as store:
        followed = load_followed(store, Selection(first - 3600 * SECOND, first), None)
        trees = CutTree()
        whole = trees.graph(followed.profile, share).table
        heaviest = int(whole.weight[1:].argmax()) + 1
        zoom = Zoom(
            whole.path_keys(heaviest), share * float(whole.weight[heaviest] / whole.weight[0])
        )
        for step in range(1, steps + 1):
            moved = Selection(first - 3600 * SECOND + step * interval, first + step * interval)
            began = time.thread_time()
            followed = fold(followed, store, moved, None)
            folded = time.thread_time()
            graph = trees.graph(followed.profile, share, zoom)
            drawn = time.thread_time()
            flatten(graph.table)
            done = time.thread_time()
            parts = (folded - began, drawn - folded, done - drawn)
            for name, seconds in zip(timings, parts, strict=True):
                timings[name].append(seconds)
    total = [sum(parts) for parts in zip(*timings.values(), strict=True)]
    for name, seconds in (*timings.items(), ("refresh", total)):
        print(
            f"{name:<12} median {1000 * statistics.median(seconds):6.1f} ms, mean "
            f"{1000 * statistics.mean(seconds):6.1f} ms, max {1000 * max(seconds):6.1f} ms"
        )
    print(f"trees built rather than updated: {trees.builds} in {steps} steps")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    steps = parser.add_subparsers(dest="step", required=True)
    make = steps.add_parser("build", help="fill a store with busy-host hours")
    make.add_argument("--dir", type=Path, required=True)
    make.add_argument("--hours", type=int, default=1)
    make.add_argument("--minutes", type=int, default=60, help="of each hour (60)")
    filled = steps.add_parser("summarize", help="summarize a store built without summaries")
    filled.add_argument("--dir", type=Path, required=True)
    timed = steps.add_parser("queries", help="time every query on a store")
    timed.add_argument("--dir", type=Path, required=True)
    timed.add_argument("--tail", type=int, help="only the data's last SECONDS")
    timed.add_argument("--runs", type=int, default=3, help="median of this many runs (3)")
    timed.add_argument("--only", nargs="*", default=[], help="only these views (e.g. top stats)")
    followed = steps.add_parser("following", help="time the refresh of a window following")
    followed.add_argument("--dir", type=Path, required=True)
    followed.add_argument("--steps", type=int, default=60, help="agent intervals (60)")
    one = steps.add_parser("one", help=argparse.SUPPRESS)
    one.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.step == "build":
        build(args.dir, args.hours, args.minutes)
    elif args.step == "summarize":
        summarize(args.dir)
    elif args.step == "queries":
        queries(args.dir, args.tail, args.runs, args.only)
    elif args.step == "following":
        following(args.dir, args.steps)
    else:
        run_one(args.argv[1:] if args.argv[:1] == ["--"] else args.argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
