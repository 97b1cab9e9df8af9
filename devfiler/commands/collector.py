"""`devfiler collector`: receive and store profiles without a window.

Also reached as `devfiler --collector-only`, the original's spelling. Runs
until SIGINT or SIGTERM, then lets in-flight requests finish and be stored
before the store is closed. Symbols for the reported executables are fetched
in the background unless --no-auto-symbols.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from devfiler.collector.server import CollectorError
from devfiler.collector.tls import TlsError
from devfiler.commands.common import add_data_dir, add_discard_old_store, open_writable
from devfiler.commands.serve_args import Serving, add_serving_args
from devfiler.commands.symbol_args import (
    add_symbol_source_args,
    auto_symbols_from_args,
    follow_collector,
)
from devfiler.config import DEFAULT_LISTEN, data_paths
from devfiler.storage.errors import StoreError


def add_listen(parser: argparse.ArgumentParser, default: str = DEFAULT_LISTEN) -> None:
    """`--listen`, shared with the GUI, which runs the same collector in-process."""
    parser.add_argument(
        "--listen",
        metavar="HOST:PORT",
        default=default,
        help=f"where the agent sends its profiles (default {DEFAULT_LISTEN}, this machine only; "
        "0.0.0.0:11000 lets any host on the network send; port 0 picks a free port)",
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # The top-level parser takes the same flags (`devfiler --listen X collector`);
    # like --data-dir and the symbol flags, --listen is set here only when given.
    parser = subparsers.add_parser(
        "collector",
        help="receive and store the agent's profiles without a window",
        description="Receive the agent's OTLP profiles over gRPC and store them, "
        "until Ctrl+C or SIGTERM.",
    )
    add_listen(parser, default=argparse.SUPPRESS)
    add_data_dir(parser)
    add_discard_old_store(parser)
    add_symbol_source_args(parser)
    add_serving_args(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    listen = getattr(args, "listen", None) or DEFAULT_LISTEN
    paths = data_paths(getattr(args, "data_dir", None))
    try:
        serving = Serving.from_args(args)
    except TlsError as error:
        print(f"devfiler collector: {error}", file=sys.stderr)
        return 2
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            store = open_writable(paths, args)
        except StoreError as error:
            print(f"devfiler collector: {error}", file=sys.stderr)
            return 1
        collector = serving.collector(store)
        try:
            address = collector.start(listen)
        except CollectorError as error:
            serving.stop(collector)
            store.close()
            print(f"devfiler collector: {error}", file=sys.stderr)
            return 1
        print(f"devfiler collector listening on {address}, storing into {paths.root}", flush=True)
        symbols = auto_symbols_from_args(args, paths, store.executables)
        if symbols is not None:
            symbols.start()
            follow_collector(collector, symbols)
        serving.start(store)
        stop_requested.wait()
        if symbols is not None:
            symbols.stop()
        serving.stop(collector)
        store.close()
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
