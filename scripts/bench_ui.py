#!/usr/bin/env python3
"""Measure the window: time to the first drawn flamegraph, and frames per second while panning.

Needs an X display (run under Xvfb: `Xvfb :55 & DISPLAY=:55 ...`). Uses an
existing store, or fills a fresh one with the synthetic agent over loopback
gRPC (`--fill SECONDS` of agent time at `--rate` samples per second):

    DISPLAY=:55 .venv/bin/python scripts/bench_ui.py --fill 3600 --rate 320
    DISPLAY=:55 .venv/bin/python scripts/bench_ui.py --data-dir DIR --start NS --end NS

First-flamegraph time is the wall time of `devfiler --screenshot` in a new
process (start, store open, query, flatten, draw, save). Panning runs the
window in this process and moves the zoomed flamegraph a few pixels per frame.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NS = 1_000_000_000


def fill(data_dir: Path, seconds: int, rate: int) -> tuple[int, int]:
    """Run a collector and the synthetic agent; returns the data's [start, end)."""
    from devfiler.cli import main as devfiler_main
    from devfiler.collector.server import Collector
    from devfiler.config import data_paths
    from devfiler.storage.store import Store

    start = (time.time_ns() // NS - seconds - 60) * NS
    store = Store.open(data_paths(data_dir))
    collector = Collector(store)
    address = collector.start("127.0.0.1:0")
    try:
        argv = ["loadgen", "--target", address, "--fast", "--duration", str(seconds)]
        argv += ["--rate", str(rate), "--start-time", str(start)]
        if devfiler_main(argv) != 0:
            raise SystemExit("the synthetic agent failed")
    finally:
        collector.stop(30.0)
        store.close()
    return start, start + seconds * NS


def first_flamegraph_seconds(data_dir: Path, start: int, end: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the new process) until its screenshot is saved."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "devfiler.cli", "--listen", "127.0.0.1:0"]
        command += ["--data-dir", str(data_dir), "--start", str(start), "--end", str(end)]
        command += ["--screenshot", str(Path(tmp) / "shot.png")]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.monotonic()
        subprocess.run(command, check=True, capture_output=True)
        wall = time.monotonic() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return wall, cpu


def pan_fps(
    data_dir: Path, start: int, end: int, seconds: float
) -> tuple[float, float, float, int]:
    """(frames/s, mean wall ms per frame, mean CPU ms per frame, mean boxes) panning a 4x zoom.

    CPU time counts every thread of this process (the window's and the GL
    driver's); on a shared machine it is the steadier figure.
    """
    from devfiler.config import data_paths
    from devfiler.storage.store import Store
    from devfiler.ui import flame_view
    from devfiler.ui.app import App, WindowOptions
    from devfiler.ui.flamegraph_tab import FlamegraphTab
    from devfiler.ui.time_range import TimeRange

    tab = FlamegraphTab()
    with Store.open(data_paths(data_dir)) as store:
        app = App(store, [tab], WindowOptions(time_range=TimeRange(start, end)))
        app.open()
        try:
            while not app.settled():
                app.step()
            tab.view = flame_view.FlameView(0.0, 0.25)
            frames, boxes, step_px = 0, 0, 9.0
            began, cpu_began = time.monotonic(), time.process_time()
            while time.monotonic() - began < seconds:
                if tab.view.x1 >= 0.999 or tab.view.x0 <= 0.0:
                    step_px = -step_px if frames else step_px
                tab.view = flame_view.pan(tab.view, step_px, 0, 1484)
                app.step()
                frames += 1
                boxes += tab.drawn_boxes
            elapsed = time.monotonic() - began
            cpu = time.process_time() - cpu_began
        finally:
            app.close()
    return frames / elapsed, 1000 * elapsed / frames, 1000 * cpu / frames, boxes // frames


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--start", type=int)
    parser.add_argument("--end", type=int)
    parser.add_argument("--fill", type=int, metavar="SECONDS", help="fill a fresh store first")
    parser.add_argument("--rate", type=int, default=320, help="samples per second when filling")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to pan")
    args = parser.parse_args()
    if args.fill:
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="devfiler-bench-ui-"))
        began = time.monotonic()
        start, end = fill(data_dir, args.fill, args.rate)
        print(f"filled {data_dir} in {time.monotonic() - began:.1f} s; --start {start} --end {end}")
    else:
        if args.data_dir is None or args.start is None or args.end is None:
            parser.error("give --fill, or --data-dir with --start and --end")
        data_dir, start, end = args.data_dir, args.start, args.end
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    wall, cpu = first_flamegraph_seconds(data_dir, start, end)
    print(f"first flamegraph drawn (new process): {wall:.2f} s (CPU {cpu:.2f} s)")
    fps, ms, cpu_ms, boxes = pan_fps(data_dir, start, end, args.seconds)
    print(
        f"panning: {fps:.1f} frames/s ({ms:.1f} ms per frame, CPU {cpu_ms:.1f} ms per frame), "
        f"{boxes} boxes drawn per frame"
    )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
