"""Ingest benchmark: agent-shaped requests through parse, decode and a real gRPC collector.

Run with the project's venv:  .venv/bin/python scripts/bench_ingest.py [--samples N]

Builds synthetic agent requests up front (about 2M samples by default), then
measures (a) bare protobuf parsing of the serialized requests, (b) the
collector's decoder alone on the parsed requests, (b') the CPU time of parse,
decode and store write per request in this process, and (c) sustained ingest
over gRPC with gzip into a real collector and RocksDB store running in a
separate process (so client and server do not share a GIL), from the first
send to the last acknowledged response with a few requests in flight. Prints
samples/s, the ratio ingest time / bare parse time, bytes on disk per stored
event and the collector's peak RSS, with the targets of the collector issue.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceRequest,
)

from devfiler.collector.decode import decode_request
from devfiler.collector.frame_cache import FrameCache
from devfiler.collector.server import Collector
from devfiler.config import data_paths
from devfiler.loadgen.params import LoadParams
from devfiler.loadgen.profiles import PROFILES
from devfiler.loadgen.requests import generate
from devfiler.loadgen.sender import Outgoing, send
from devfiler.storage.store import Store

TARGET_SAMPLES_PER_S = 300_000
TARGET_RATIO = 6.0
TARGET_BYTES_PER_EVENT = 24.0
RATE = 40_000.0
"""Samples per second of the synthetic host: 10 s of it is 400k samples in 6 requests."""


def build_payloads(samples: int, seed: int, profile: str) -> list[Outgoing]:
    """`default`: few large requests (40 000 samples/s); `busy-host`: the agent's own
    request size on a 16-CPU host (1600 on-CPU events per 5 s), broad stacks."""
    shape: dict[str, Any] = (
        {"rate": RATE, "processes": 40, "threads": 8}
        if profile == "default"
        else dict(PROFILES[profile])
    )
    params = LoadParams(
        start_ns=time.time_ns() - 3600 * 1_000_000_000,
        seed=seed,
        duration_s=samples / shape["rate"],
        **shape,
    )
    return [
        Outgoing(batch.request.SerializeToString(), 0.0, batch.events) for batch in generate(params)
    ]


def best_of(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def parse_all(payloads: list[Outgoing]) -> list[ExportProfilesServiceRequest]:
    return [ExportProfilesServiceRequest.FromString(p.payload) for p in payloads]


def decode_all(payloads: list[Outgoing]) -> int:
    """What the collector does with each request's bytes, with one frame cache for all."""
    now = time.time_ns()
    cache = FrameCache()
    return sum(decode_request(p.payload, now, cache).samples for p in payloads)


WARM_REQUESTS = 20
"""Requests decoded and stored before the per-request CPU is measured: the first ones
bring the frames the cache and the store have not seen yet."""


def stage_cpu(payloads: list[Outgoing]) -> tuple[float, float, float, int]:
    """CPU seconds of the bare parse, of decode_request and of Store.write in this process
    over the requests after the first WARM_REQUESTS (all of them when there are fewer),
    with the number of requests measured."""
    data_dir = tempfile.mkdtemp(prefix="devfiler-bench-")
    now = time.time_ns()
    cache = FrameCache()
    warm = WARM_REQUESTS if len(payloads) > WARM_REQUESTS else 0
    parse = decode = write = 0.0
    try:
        with Store.open(data_paths(data_dir)) as store:
            for i, outgoing in enumerate(payloads):
                started = time.process_time()
                ExportProfilesServiceRequest.FromString(outgoing.payload)
                parsed = time.process_time()
                batch = decode_request(outgoing.payload, now, cache).batch
                decoded = time.process_time()
                store.write(batch)
                if i >= warm:
                    parse += parsed - started
                    decode += decoded - parsed
                    write += time.process_time() - decoded
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return parse, decode, write, len(payloads) - warm


def peak_rss_bytes() -> int:
    """VmHWM of this process (Linux), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def directory_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_collector(conn: Connection, data_dir: str, workers: int) -> None:
    """Child process: serve until told to stop, then report what was stored and the peak RSS."""
    paths = data_paths(data_dir)
    store = Store.open(paths)
    collector = Collector(store, workers=workers)
    collector.start("127.0.0.1:0")
    conn.send(collector.port)
    conn.recv()
    collector.stop(grace=60)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stats = collector.stats()
    store.close()
    # Reopening replays the write-ahead log into table files (RocksDB flushes what it
    # recovers), so the directory then holds the data as it stays on disk.
    with Store.open(paths) as reopened:
        tables = {table.name: table.size_bytes for table in reopened.table_stats()}
    conn.send(
        {
            "samples": stats.samples,
            "refused": stats.refused,
            "rejected_profiles": stats.rejected_profiles,
            "sst_bytes": sum(tables.values()),
            **{f"sst_{name}": size for name, size in tables.items()},
            "disk_bytes": directory_bytes(paths.db),
            "peak_rss": peak_rss_bytes(),
            "cpu_ms": int((usage.ru_utime + usage.ru_stime) * 1000),
        }
    )


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def end_to_end(
    payloads: list[Outgoing], streams: int, workers: int
) -> tuple[float, float, dict[str, int]]:
    """(wall seconds, client CPU seconds, what the collector reports) of one ingest run."""
    data_dir = tempfile.mkdtemp(prefix="devfiler-bench-")
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=run_collector, args=(theirs, data_dir, workers))
    child.start()
    try:
        port = ours.recv()
        cpu_before = cpu_seconds()
        report = send(f"127.0.0.1:{port}", payloads, paced=False, concurrency=streams)
        client_cpu = cpu_seconds() - cpu_before
        ours.send("stop")
        stored: dict[str, int] = ours.recv()
        child.join(60)
    finally:
        if child.is_alive():
            child.terminate()
        shutil.rmtree(data_dir, ignore_errors=True)
    return report.elapsed_s, client_cpu, stored


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    ram_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return (
        f"{os.cpu_count()} CPUs ({model}), {ram_kb / 1024 / 1024:.0f} GiB RAM, "
        f"Python {platform.python_version()}, {date.today().isoformat()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=2_000_000, help="samples to ingest")
    parser.add_argument("--streams", type=int, default=4, help="requests in flight")
    parser.add_argument("--workers", type=int, default=4, help="collector thread pool size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="default",
        help="request shape: default (large requests) or busy-host (agent-sized, broad)",
    )
    args = parser.parse_args()

    started = time.perf_counter()
    payloads = build_payloads(args.samples, args.seed, args.profile)
    samples = sum(p.events for p in payloads)
    wire = sum(len(p.payload) for p in payloads)
    print(
        f"built {len(payloads)} requests, {samples:,} samples, {wire / 1e6:.1f} MB "
        f"in {time.perf_counter() - started:.1f} s"
    )
    parse_s = best_of(3, lambda: parse_all(payloads))
    decode_s = best_of(1, lambda: decode_all(payloads))
    parse_cpu, decode_cpu, write_cpu, measured = stage_cpu(payloads)
    ingest_s, client_cpu, stored = end_to_end(payloads, args.streams, args.workers)

    events = max(stored["samples"], 1)
    rows = [
        (
            "samples",
            f"{samples:,} in {len(payloads)} requests ({wire / samples:.1f} B/sample on the wire)",
            "",
        ),
        ("bare protobuf parse", f"{parse_s:.3f} s ({samples / parse_s:,.0f} samples/s)", ""),
        (
            "decode_request on the bytes, parse included",
            f"{decode_s:.3f} s ({samples / decode_s:,.0f} samples/s)",
            "",
        ),
        (
            f"in-process CPU per request (requests {len(payloads) - measured + 1}-{len(payloads)})",
            f"parse {parse_cpu / measured * 1e3:.2f} ms, decode {decode_cpu / measured * 1e3:.2f} "
            f"ms, store write {write_cpu / measured * 1e3:.2f} ms; (decode + write) / parse "
            f"{(decode_cpu + write_cpu) / parse_cpu:.1f}",
            "",
        ),
        (
            "end-to-end ingest over gRPC",
            f"{ingest_s:.3f} s ({samples / ingest_s:,.0f} samples/s)",
            f">= {TARGET_SAMPLES_PER_S:,} samples/s",
        ),
        (
            "collector CPU time (user + sys, whole process)",
            f"{stored['cpu_ms'] / 1000:.3f} s ({samples / (stored['cpu_ms'] / 1000):,.0f} samples "
            "per CPU second)",
            "",
        ),
        ("client CPU time (gzip and gRPC, same machine)", f"{client_cpu:.3f} s", ""),
        ("ingest time / bare parse time", f"{ingest_s / parse_s:.1f}", f"<= {TARGET_RATIO:g}"),
        (
            "bytes on disk per stored event",
            f"{stored['disk_bytes'] / events:.1f} (SST only: {stored['sst_bytes'] / events:.1f})",
            f"<= {TARGET_BYTES_PER_EVENT:g}",
        ),
        ("collector peak RSS", f"{stored['peak_rss'] / 2**20:.0f} MiB", ""),
        (
            "stored / refused",
            f"{stored['samples']:,} samples stored, {stored['refused']} requests refused, "
            f"{stored['rejected_profiles']} profiles rejected",
            "",
        ),
    ]
    print(f"\nMachine: {machine()}")
    print(f"Client: {args.streams} requests in flight; collector: {args.workers} workers\n")
    per_table = ", ".join(
        f"{key[4:]} {value / events:.1f}"
        for key, value in stored.items()
        if key.startswith("sst_") and key != "sst_bytes" and value
    )
    print(f"Table files per stored event (bytes): {per_table}\n")
    print("| measure | result | target |\n|---|---|---|")
    for name, value, target in rows:
        print(f"| {name} | {value} | {target} |")


if __name__ == "__main__":
    main()
