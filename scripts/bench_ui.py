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

With xdotool installed (and Linux's /proc), it also drives a running window
the way a person does and reads its automation state: CPU and frames while
idle (on the filled store with a fixed range, and on an empty store
following the last 15 minutes), how long after the last of 22 keys typed at
20 ms each the flamegraph filter holds them all, and how long a tab switch
takes to show.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


QUIET = ["--no-auto-symbols", "--retention", "off"]
"""No background work besides the window's own, and old data is not deleted."""


def first_flamegraph_seconds(data_dir: Path, start: int, end: int) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MB of the new process) until its screenshot is saved.

    The peak RSS is the largest of this process's children so far: measure it first.
    """
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "devfiler.cli", "--listen", "127.0.0.1:0"]
        command += ["--data-dir", str(data_dir), "--start", str(start), "--end", str(end)]
        command += ["--screenshot", str(Path(tmp) / "shot.png"), "--tab", "flamegraph", *QUIET]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.monotonic()
        subprocess.run(command, check=True, capture_output=True)
        wall = time.monotonic() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return wall, cpu, after.ru_maxrss / 1024


def shown_to_drawn(data_dir: Path, start: int, end: int, tab: str) -> tuple[float, float]:
    """Seconds from the window's first frame (its first state written) until `tab` shows its
    result, and until everything on it is drawn (Top functions: its heat strips too)."""
    with tempfile.TemporaryDirectory() as tmp:
        state_path = Path(tmp) / "state.json"
        command = [sys.executable, "-m", "devfiler.cli", "--listen", "127.0.0.1:0", "--tab", tab]
        command += ["--data-dir", str(data_dir), "--start", str(start), "--end", str(end)]
        command += QUIET
        env = dict(os.environ, DEVFILER_UI_STATE=str(state_path))
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        window = Driven(process, state_path)
        try:
            window.wait(lambda s: True, timeout=120)
            shown = time.monotonic()
            window.wait(lambda s: bool(s.get(tab, {}).get(DRAWN[tab])), timeout=120)
            drawn = time.monotonic() - shown
            window.wait(lambda s: bool(s.get("settled")), timeout=120)
            return drawn, time.monotonic() - shown
        finally:
            process.terminate()
            process.wait(30)


DRAWN = {"flamegraph": "nodes", "topfuncs": "rows"}
"""The state field that becomes non-zero when a tab's result is drawn."""


def settle(app: Any) -> None:
    """Draw frames until the window has settled, paced as the window's own loop paces them
    (it sleeps until a job lands or the next tick, and gathers results landing together)."""
    app.step()
    while not app.settled():
        app.pace(time.monotonic())
        app.step()


def driver_cpu_seconds() -> float:
    """CPU of this process's software GL threads (Mesa's llvmpipe), 0 where /proc or they
    are missing: the share of drawing a GPU would take."""
    total = 0.0
    for task in Path("/proc/self/task").glob("*"):
        try:
            if not (task / "comm").read_text().startswith("llvmpipe"):
                continue
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@dataclass(frozen=True, slots=True)
class Tick:
    """One second of a window following the present: what it cost until settled."""

    refreshed: bool
    """The views moved (every 5th second without new data)."""
    cpu: float
    """CPU s of every thread of the process."""
    driver: float
    """Of it, the GL driver's threads (software rendering)."""
    wall: float
    frames: int


def following_cpu(data_dir: Path, start: int, end: int, intervals: int) -> list[Tick]:
    """Every tick of a window following the present for `intervals` agent intervals.

    The window follows the last (end - start - 5 * intervals) s with its
    clock set to end - 5 * intervals s, showing the flamegraph zoomed into
    the heaviest thread. The clock moves a second per tick, as the
    window's does; the store does not change, so the views move every
    fifth tick (analysis: fold, kept trees, flattening; then drawing),
    and the other ticks only move the time axis. Each tick counts every
    thread of this process until the window has settled again.
    """
    from devfiler.config import data_paths
    from devfiler.storage.store import Store
    from devfiler.ui import flame_view
    from devfiler.ui.app import App, WindowOptions
    from devfiler.ui.flamegraph_tab import FlamegraphTab
    from devfiler.ui.frame_pacer import ACTIVE_SECONDS
    from devfiler.ui.time_range import RESULTS_STEP_NS, TimeRange

    now = [end - intervals * RESULTS_STEP_NS]
    first = TimeRange.following(end - start - intervals * RESULTS_STEP_NS, now[0])
    tab = FlamegraphTab()
    ticks = []
    with Store.open(data_paths(data_dir)) as store:
        app = App(store, [tab], WindowOptions(time_range=first))
        app.clock = lambda: now[0]
        app.open()
        try:
            settle(app)
            assert tab.data is not None
            heaviest = int(tab.data.flat.table.weight[1:].argmax()) + 1
            tab.view = flame_view.zoom_to(tab.data.flat, heaviest, tab.view)
            settle(app)
            for _ in range(intervals * RESULTS_STEP_NS // NS):
                # The window's ticks are a second apart: it is quiet when the next comes.
                time.sleep(ACTIVE_SECONDS)
                now[0] += NS
                shown = app.shared.selection
                began, cpu_began = time.monotonic(), time.process_time()
                driver_began, frames = driver_cpu_seconds(), app.frames
                settle(app)
                ticks.append(
                    Tick(
                        app.shared.selection != shown,
                        time.process_time() - cpu_began,
                        driver_cpu_seconds() - driver_began,
                        time.monotonic() - began,
                        app.frames - frames,
                    )
                )
            if tab.view.focus is None:
                raise SystemExit("the zoom was lost while following")
        finally:
            app.close()
    return ticks


def print_following(ticks: list[Tick]) -> None:
    """Medians of the ticks that refreshed and of the others, and the refresh's own cost."""

    def medians(chosen: list[Tick]) -> tuple[float, float, float, float]:
        return (
            statistics.median(t.cpu for t in chosen),
            statistics.median(t.cpu - t.driver for t in chosen),
            statistics.median(t.driver for t in chosen),
            statistics.median(t.frames for t in chosen),
        )

    refreshes = [t for t in ticks if t.refreshed]
    plain = [t for t in ticks if not t.refreshed]
    for name, chosen in (("a tick that refreshes", refreshes), ("a tick that does not", plain)):
        cpu, own, driver, frames = medians(chosen)
        print(
            f"following, {name} ({len(chosen)}): CPU {cpu:.3f} s (window {own:.3f}, GL driver "
            f"{driver:.3f}), {frames:.0f} frames (medians)"
        )
    cpu, own, driver, _ = (a - b for a, b in zip(medians(refreshes), medians(plain), strict=True))
    print(
        f"following, the refresh itself (difference of the medians): CPU {cpu:.3f} s "
        f"(window {own:.3f}, GL driver {driver:.3f})"
    )


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


TYPED = "libc.so.6: handle_recv"
"""22 characters, typed 20 ms apart."""


class Driven:
    """A devfiler process in a window, its automation state and xdotool."""

    def __init__(self, process: subprocess.Popen[bytes], state: Path) -> None:
        self.process, self.state_path, self.window = process, state, ""

    def state(self) -> dict[str, Any]:
        try:
            loaded: dict[str, Any] = json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return {}
        return loaded

    def wait(self, check: Callable[[dict[str, Any]], bool], timeout: float = 60.0) -> float:
        """Seconds until `check` holds, polling every 5 ms."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            current = self.state()
            if current and check(current):
                return time.monotonic() - began
            time.sleep(0.005)
        raise SystemExit(f"the window never got there; last state {self.state()}")

    def xdotool(self, *args: str) -> str:
        done = subprocess.run(["xdotool", *args], check=True, capture_output=True, text=True)
        return done.stdout.strip()

    def click(self, at: list[float]) -> None:
        x, y = str(int(at[0] + 10)), str(int(at[1] + 8))
        self.xdotool("mousemove", "--window", self.window, x, y)
        time.sleep(0.2)
        self.xdotool("click", "1")

    def cpu_seconds(self) -> float:
        """User + system CPU of the process, all its threads (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def driven(*args: str) -> Iterator[Driven]:
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state.json"
        command = [sys.executable, "-m", "devfiler.cli", "--listen", "127.0.0.1:0", *args]
        env = dict(os.environ, DEVFILER_UI_STATE=str(state))
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        window = Driven(process, state)
        try:
            window.wait(lambda s: bool(s.get("settled")), timeout=120)
            found = window.xdotool("search", "--sync", "--name", "^devfiler v")
            window.window = found.splitlines()[0]
            yield window
        finally:
            process.terminate()
            process.wait(30)


def idle_cost(window: Driven, seconds: float) -> tuple[float, float]:
    """(share of one core, frames per second) while nobody touches the window."""
    time.sleep(2.0)
    cpu, frames, began = window.cpu_seconds(), window.state()["frames"], time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - began
    drawn = window.state()["frames"] - frames
    return (window.cpu_seconds() - cpu) / elapsed, drawn / elapsed


def typing_lag(window: Driven, rounds: int) -> list[float]:
    """Seconds from the last key typed until the flamegraph filter holds every key."""
    window.click(window.state()["flamegraph"]["filter_at"])
    lags = []
    for _ in range(rounds):
        time.sleep(1.5)
        window.xdotool("type", "--delay", "20", TYPED)
        lags.append(window.wait(lambda s: s["flamegraph"]["filter"] == TYPED))
        window.xdotool("key", "ctrl+a", "BackSpace")
        window.wait(lambda s: s["flamegraph"]["filter"] == "")
    return lags


def tab_switches(window: Driven, rounds: int) -> tuple[list[float], list[float]]:
    """Seconds from a click on a tab button until the tab shows, and until its result is drawn."""
    shown, drawn = [], []
    for round_ in range(rounds):
        tab = "topfuncs" if round_ % 2 == 0 else "flamegraph"
        time.sleep(1.5)
        window.click(window.state()["tabs_at"][tab])
        began = time.monotonic()
        window.wait(lambda s, tab=tab: s["tab"] == tab)
        shown.append(time.monotonic() - began)
        window.wait(lambda s, tab=tab: s["tab"] == tab and s["settled"])
        drawn.append(time.monotonic() - began)
    return shown, drawn


def responsiveness(data_dir: Path, start: int, end: int, rounds: int) -> None:
    """Print idle cost, typing lag and tab switch times of a driven window."""
    if shutil.which("xdotool") is None or not Path("/proc/self/stat").exists():
        print("responsiveness: skipped (needs xdotool and /proc)")
        return
    fixed = ["--data-dir", str(data_dir), "--start", str(start), "--end", str(end)]
    with driven(*fixed, "--no-auto-symbols") as window:
        core, fps = idle_cost(window, 10.0)
        print(f"idle, filled store, fixed range: {100 * core:.1f}% of a core, {fps:.1f} frames/s")
        lags = typing_lag(window, rounds)
        print(
            f"typing {len(TYPED)} keys 20 ms apart: all shown {statistics.median(lags):.2f} s "
            f"after the last (median of {rounds}; max {max(lags):.2f} s)"
        )
        shown, drawn = tab_switches(window, rounds)
        print(
            f"tab switch (Flamegraph <-> Top functions), from the click: shown "
            f"{statistics.median(shown):.2f} s, drawn {statistics.median(drawn):.2f} s "
            f"(medians of {rounds})"
        )
    with tempfile.TemporaryDirectory() as empty, driven("--data-dir", empty) as window:
        core, fps = idle_cost(window, 10.0)
        print(f"idle, empty store, following 15m: {100 * core:.1f}% of a core, {fps:.1f} frames/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--start", type=int)
    parser.add_argument("--end", type=int)
    parser.add_argument("--fill", type=int, metavar="SECONDS", help="fill a fresh store first")
    parser.add_argument("--rate", type=int, default=320, help="samples per second when filling")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to pan")
    parser.add_argument("--rounds", type=int, default=5, help="typing and tab switch rounds")
    parser.add_argument(
        "--steps", type=int, default=12, help="agent intervals (5 s) while following"
    )
    parser.add_argument(
        "--only", choices=["launch", "following"], help="measure only the launch or following"
    )
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
    if args.only != "following":
        wall, cpu, rss = first_flamegraph_seconds(data_dir, start, end)
        print(f"first flamegraph drawn (new process): {wall:.2f} s (CPU {cpu:.2f} s), {rss:.0f} MB")
        for tab in DRAWN:
            drawn, settled = shown_to_drawn(data_dir, start, end, tab)
            print(f"{tab}: shown to drawn {drawn:.2f} s, to settled {settled:.2f} s")
    if args.only != "launch":
        print_following(following_cpu(data_dir, start, end, args.steps))
    if args.only:
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return 0
    fps, ms, cpu_ms, boxes = pan_fps(data_dir, start, end, args.seconds)
    print(
        f"panning: {fps:.1f} frames/s ({ms:.1f} ms per frame, CPU {cpu_ms:.1f} ms per frame), "
        f"{boxes} boxes drawn per frame"
    )
    responsiveness(data_dir, start, end, args.rounds)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
