"""`devfiler loadgen`: a synthetic profiling agent that feeds a collector or writes files."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from devfiler.commands.common import parse_time
from devfiler.loadgen.params import LoadParams
from devfiler.loadgen.profiles import PROFILES
from devfiler.loadgen.requests import Batch, generate
from devfiler.loadgen.sender import Outgoing, SendError, SendReport, send, write_files
from devfiler.model import SampleKind

DEFAULT_TARGET = "127.0.0.1:11000"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "loadgen",
        help="send synthetic agent-shaped profiles to a collector (or write them to files)",
        description=(
            "Act like the profiling agent: build OTLP profile requests of a seeded synthetic "
            "host (many processes and threads, native, kernel and interpreted frames, abort "
            "frames) in 5 s batches, one request per batch and sample kind, and send them "
            "with gzip over gRPC."
        ),
    )
    parser.add_argument(
        "--target",
        default=DEFAULT_TARGET,
        metavar="HOST:PORT",
        help=f"collector address (default {DEFAULT_TARGET})",
    )
    parser.add_argument("--seed", type=int, default=1, help="same seed, same requests (default 1)")
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="default",
        help="host shape: 'busy-host' is one 16-CPU host with 40 processes, 200 threads and "
        "about 50 000 distinct stacks (320 on-CPU + 80 off-CPU samples/s); options given "
        "explicitly override the shape's values (default: default)",
    )
    parser.add_argument("--rate", type=float, help="samples per second, all kinds (default 1000)")
    parser.add_argument(
        "--duration", type=float, default=60.0, help="seconds of profiling to simulate (default 60)"
    )
    parser.add_argument("--processes", type=int, help="processes (default 12)")
    parser.add_argument("--threads", type=int, help="threads per process (default 6)")
    parser.add_argument(
        "--kinds", help="comma-separated sample kinds to send (default on_cpu,off_cpu,uprobe)"
    )
    parser.add_argument(
        "--fast",
        action="store_true",
        help="send as fast as the collector answers instead of one batch every 5 s",
    )
    parser.add_argument(
        "--out", metavar="DIR", help="write the requests to DIR/000001.pb, ... instead of sending"
    )
    parser.add_argument(
        "--start-time",
        metavar="TIME",
        help="start of the first batch, nanoseconds or ISO 8601 (default: now when paced; "
        "now minus the duration with --fast or --out, so the data ends now)",
    )
    parser.set_defaults(run=run)


def _kinds(text: str) -> tuple[SampleKind, ...]:
    kinds = tuple(SampleKind.from_cli(name) for name in text.split(",") if name.strip())
    return tuple(dict.fromkeys(kinds))


def _outgoing(batches: Iterable[Batch], first_window_ns: int) -> Iterator[Outgoing]:
    """Each request is due when its window has closed, as the agent reports."""
    for batch in batches:
        yield Outgoing(
            batch.request.SerializeToString(),
            (batch.window_end_ns - first_window_ns) / 1e9,
            batch.events,
        )


def _print_report(report: SendReport, where: str) -> None:
    rate = report.events / report.elapsed_s if report.elapsed_s > 0 else 0.0
    print(
        f"{report.requests} requests, {report.events} samples, {report.payload_bytes} bytes "
        f"-> {where} in {report.elapsed_s:.2f} s ({rate:,.0f} samples/s)"
    )
    if report.rejected_profiles:
        print(f"collector rejected {report.rejected_profiles} profiles:", file=sys.stderr)
        for message in report.messages:
            print(f"  {message}", file=sys.stderr)


def _shape(args: argparse.Namespace) -> dict[str, Any]:
    """The profile's LoadParams values with the options given on the command line on top."""
    values = dict(PROFILES[args.profile])
    given = {"rate": args.rate, "processes": args.processes, "threads": args.threads}
    values.update({name: value for name, value in given.items() if value is not None})
    if args.kinds is not None:
        values["kinds"] = _kinds(args.kinds)
    return values


def run(args: argparse.Namespace) -> int:
    try:
        immediate = args.fast or args.out is not None
        if args.start_time is not None:
            start_ns = parse_time(args.start_time)
        else:
            start_ns = time.time_ns() - (int(args.duration * 1e9) if immediate else 0)
        params = LoadParams(
            start_ns=start_ns, seed=args.seed, duration_s=args.duration, **_shape(args)
        )
    except ValueError as error:
        print(f"devfiler loadgen: {error}", file=sys.stderr)
        return 2
    items = _outgoing(generate(params), params.start_ns)
    if args.out is not None:
        _print_report(write_files(Path(args.out), items), args.out)
        return 0
    try:
        report = send(args.target, items, paced=not args.fast, concurrency=4 if args.fast else 1)
    except SendError as error:
        print(f"devfiler loadgen: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    _print_report(report, args.target)
    return 1 if report.rejected_profiles else 0
