"""Benchmark of what runs beside the collector: a retention pass, and ingest while forwarding.

Run with the project's venv:  .venv/bin/python scripts/bench_serving.py [--hours H]

Retention: builds a store from the synthetic agent (its requests decoded and
written as the collector does) spanning H hours on each side of 30 minutes
ago, so that a 30-minute bound cuts it in half; then times a check when
nothing is due, the age pass and a disk pass that halves the rest, with what
each deleted. Forwarding: sustained ingest over gRPC into a collector in a
separate process, (a) alone, (b) forwarding to a devfiler collector in a
third process, (c) forwarding to an address where nothing listens; the
agent's side is timed from the first send to the last acknowledgement.
Prints figures, never fails on time.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path

from devfiler.collector.decode import decode_request
from devfiler.collector.forward import Forwarder
from devfiler.collector.locations import FrameCache
from devfiler.collector.server import Collector
from devfiler.config import data_paths
from devfiler.loadgen.params import LoadParams
from devfiler.loadgen.requests import generate
from devfiler.loadgen.sender import Outgoing, send
from devfiler.sizes import format_size
from devfiler.storage.retention import RetentionPolicy, apply_retention
from devfiler.storage.store import Store
from devfiler.storage.tables import ALL_TABLES, CONTEXTS, EVENTS, FRAMES, TRACES

NS = 1_000_000_000
DAY_NS = 86400 * NS
AGE_NS = 1800 * NS
"""The age bound of the retention runs; passes wait until data is a tenth of it past."""
RATE = 2_000.0
"""Samples per second of the synthetic host for the retention store."""
INGEST_RATE = 40_000.0
"""Samples per second for the forwarding runs (as in bench_ingest.py)."""


def build_store(folder: Path, hours: float, now_ns: int) -> int:
    """2 x `hours` of the synthetic agent around the age bound; the samples written."""
    start = now_ns - AGE_NS - int(hours * 3600 * NS)
    params = LoadParams(
        start_ns=start,
        seed=3,
        rate=RATE,
        duration_s=2 * hours * 3600,
        processes=40,
        threads=8,
    )
    cache = FrameCache()
    samples = 0
    with Store.open(data_paths(folder)) as store:
        for batch in generate(params):
            decoded = decode_request(batch.request.SerializeToString(), now_ns, cache)
            store.write(decoded.batch)
            samples += decoded.samples
        store.flush()
        for spec in ALL_TABLES:
            store.compact(spec)
    return samples


def retention_figures(hours: float) -> list[tuple[str, str]]:
    now = time.time_ns()
    folder = Path(tempfile.mkdtemp(prefix="devfiler-bench-retention-"))
    try:
        started = time.perf_counter()
        samples = build_store(folder, hours, now)
        built_s = time.perf_counter() - started
        rows = [("store", f"{samples:,} samples over {2 * hours:g} h, built in {built_s:.0f} s")]
        with Store.open(data_paths(folder)) as store:
            sizes = {spec.name: store.count(spec) for spec in (EVENTS, TRACES, FRAMES, CONTEXTS)}
            rows.append(
                (
                    "rows before",
                    ", ".join(f"{name} {count:,}" for name, count in sizes.items())
                    + f"; {format_size(store.disk_usage())} on disk",
                )
            )
            age = RetentionPolicy(AGE_NS, None)
            started = time.perf_counter()
            assert apply_retention(store, RetentionPolicy(30 * DAY_NS, 1 << 40), now) is None
            rows.append(("check, nothing due", f"{(time.perf_counter() - started) * 1000:.1f} ms"))
            rows.append(_timed_pass(store, "age pass (30 min: half the store)", age, now))
            half = RetentionPolicy(None, store.disk_usage() // 2)
            rows.append(_timed_pass(store, "disk pass (bound: half the rest)", half, now))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def _timed_pass(store: Store, name: str, policy: RetentionPolicy, now: int) -> tuple[str, str]:
    cpu = _cpu()
    run = apply_retention(store, policy, now)
    assert run is not None
    return (
        name,
        f"{run.seconds:.2f} s ({_cpu() - cpu:.2f} s CPU): {run.events:,} events in "
        f"{run.blocks:,} blocks, {run.traces:,} traces, {run.frames:,} frames, "
        f"{run.contexts:,} contexts; {format_size(run.disk_before)} -> "
        f"{format_size(run.disk_after)}",
    )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_collector(conn: Connection, data_dir: str, forward: str | None) -> None:
    """Child process: a collector, forwarding to `forward` when given, until told to stop."""
    store = Store.open(data_paths(data_dir))
    forwarder = Forwarder(forward, tls=False) if forward else None
    collector = Collector(store)
    if forwarder is not None:
        forwarder.start()
        collector.on_accepted(forwarder.submit)
    collector.start("127.0.0.1:0")
    conn.send(collector.port)
    conn.recv()
    collector.stop(grace=60)
    report = {"forward": None}
    if forwarder is not None:
        forwarder.stop(drain_seconds=30)
        stats = forwarder.stats()
        report["forward"] = f"{stats.sent} sent, {stats.dropped} dropped"
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report["cpu_s"] = f"{usage.ru_utime + usage.ru_stime:.2f}"
    store.close()
    conn.send(report)


def ingest(payloads: list[Outgoing], forward: str | None) -> tuple[float, dict[str, object]]:
    """(seconds from first send to last acknowledgement, the collector's report)."""
    data_dir = tempfile.mkdtemp(prefix="devfiler-bench-forward-")
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=run_collector, args=(theirs, data_dir, forward))
    child.start()
    try:
        port = ours.recv()
        report = send(f"127.0.0.1:{port}", payloads, paced=False, concurrency=4)
        ours.send("stop")
        stopped: dict[str, object] = ours.recv()
        child.join(120)
    finally:
        if child.is_alive():
            child.terminate()
        shutil.rmtree(data_dir, ignore_errors=True)
    return report.elapsed_s, stopped


def downstream_collector(conn: Connection, data_dir: str) -> None:
    store = Store.open(data_paths(data_dir))
    collector = Collector(store)
    collector.start("127.0.0.1:0")
    conn.send(collector.port)
    conn.recv()
    collector.stop(grace=60)
    store.close()
    conn.send("stopped")


def forwarding_figures(samples: int) -> list[tuple[str, str]]:
    params = LoadParams(
        start_ns=time.time_ns() - 3600 * NS,
        rate=INGEST_RATE,
        duration_s=samples / INGEST_RATE,
        processes=40,
        threads=8,
    )
    payloads = [Outgoing(b.request.SerializeToString(), 0.0, b.events) for b in generate(params)]
    total = sum(p.events for p in payloads)
    rows = []
    alone_s, alone = ingest(payloads, None)
    rows.append(
        ("ingest alone", f"{total / alone_s:,.0f} samples/s, collector CPU {alone['cpu_s']} s")
    )
    data_dir = tempfile.mkdtemp(prefix="devfiler-bench-downstream-")
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=downstream_collector, args=(theirs, data_dir))
    child.start()
    try:
        port = ours.recv()
        live_s, live = ingest(payloads, f"127.0.0.1:{port}")
        ours.send("stop")
        ours.recv()
        child.join(120)
    finally:
        if child.is_alive():
            child.terminate()
        shutil.rmtree(data_dir, ignore_errors=True)
    rows.append(
        (
            "ingest forwarding to a live devfiler",
            f"{total / live_s:,.0f} samples/s ({alone_s / live_s:.2f} x alone), collector CPU "
            f"{live['cpu_s']} s; forwarded: {live['forward']}",
        )
    )
    with refused_port() as dead:
        dead_s, down = ingest(payloads, f"127.0.0.1:{dead}")
    rows.append(
        (
            "ingest forwarding to a dead address",
            f"{total / dead_s:,.0f} samples/s ({alone_s / dead_s:.2f} x alone), collector CPU "
            f"{down['cpu_s']} s; forwarded: {down['forward']}",
        )
    )
    return rows


@contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port bound but never listening: connections to it are refused."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port: int = held.getsockname()[1]
        yield port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--hours",
        type=float,
        default=0.1,
        help="hours on each side of the age bound (default 0.1, at most 0.45)",
    )
    parser.add_argument("--samples", type=int, default=1_000_000, help="samples per ingest run")
    args = parser.parse_args()
    if not 0 < args.hours <= 0.45:
        parser.error("--hours must be more than 0 and at most 0.45 (the bound is 30 minutes)")
    print(
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{date.today().isoformat()}, load {os.getloadavg()[0]:.1f}\n"
    )
    rows = retention_figures(args.hours) + forwarding_figures(args.samples)
    print("| measure | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print(f"\nload at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
