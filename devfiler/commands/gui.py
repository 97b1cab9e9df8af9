"""`devfiler` without a subcommand: the window, with the collector in the same process."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from devfiler.analysis.source_lines import parse_source_roots
from devfiler.collector.request_log import RequestLog
from devfiler.collector.server import CollectorError
from devfiler.commands.collector import add_listen
from devfiler.commands.common import (
    add_data_dir,
    add_discard_old_store,
    add_source_root,
    add_time_range,
    open_writable,
    parse_duration,
    resolve_time_range,
)
from devfiler.commands.serve_args import Serving, add_serving_args
from devfiler.commands.symbol_args import (
    add_symbol_source_args,
    auto_symbols_from_args,
    follow_collector,
)
from devfiler.config import data_paths
from devfiler.log_ring import install_log_ring
from devfiler.services.window import Services
from devfiler.storage.errors import StoreError
from devfiler.symbolize.store.ingest import BackgroundIngest
from devfiler.symbolize.store.symbol_store import SymbolStore
from devfiler.ui.tabs import Tab
from devfiler.ui.time_range import TimeRange
from devfiler.ui.view_state import view_state_path

DEFAULT_FOLLOW = "15m"
_log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of the window, on the top-level parser (`devfiler --listen ...`)."""
    add_listen(parser)
    add_data_dir(parser, default=None)
    add_discard_old_store(parser, default=False)
    add_symbol_source_args(parser)
    add_serving_args(parser)
    add_time_range(parser, default=None)
    add_source_root(parser)
    parser.add_argument(
        "--screenshot",
        metavar="PATH",
        help="wait until every visible result is drawn, save the window as PNG, exit",
    )
    parser.add_argument(
        "--tab",
        help=(
            "tab to open: flamegraph, flamescope, topfuncs, executables, log, and with "
            "--dev-mode tracefreq, dbstats, grpc (default: the tab shown when the window "
            "last closed on this data folder, else flamegraph)"
        ),
    )
    parser.add_argument(
        "--dev-mode", action="store_true", help="start in developer mode (extra tabs)"
    )


def initial_range(args: argparse.Namespace, now_ns: int) -> TimeRange:
    """--start/--end fix the range; --last (default 15m) follows the present."""
    if args.start is None and args.end is None:
        return TimeRange.following(parse_duration(args.last or DEFAULT_FOLLOW), now_ns)
    start, end = resolve_time_range(args, now_ns)
    if args.start is None:
        start = end - parse_duration(DEFAULT_FOLLOW)
    if args.end is None:
        end = now_ns
    return TimeRange(start, end)


def run(args: argparse.Namespace) -> int:
    from devfiler.ui.app import App, WindowOptions

    log = install_log_ring()
    try:
        time_range = initial_range(args, time.time_ns())
        source_roots = parse_source_roots(args.source_root)
        serving = Serving.from_args(args)
    except ValueError as error:
        print(f"devfiler: {error}", file=sys.stderr)
        return 2
    paths = data_paths(args.data_dir)
    _log.info("window: data in %s", paths.root)
    symbols = SymbolStore(paths.symbols)
    request_log = RequestLog()
    ingest = BackgroundIngest(symbols)
    try:
        services = Services(
            request_log,
            symbols,
            ingest,
            log,
            serving.retention,
            serving.forwarders,
            serving.summaries,
        )
        tabs = _tabs(services, args.tab)
        if tabs is None:
            return 2
        try:
            store = open_writable(paths, args)
        except StoreError as error:
            print(f"devfiler: {error}", file=sys.stderr)
            return 1
        collector = serving.collector(store, request_log)
        try:
            collector.start(args.listen)
        except CollectorError as error:
            serving.stop(collector)
            store.close()
            print(f"devfiler: {error}", file=sys.stderr)
            return 1
        options = WindowOptions(
            time_range=time_range,
            tab=args.tab,
            dev_mode=args.dev_mode,
            screenshot=Path(args.screenshot) if args.screenshot else None,
            tls=serving.credentials is not None,
            view_file=view_state_path(paths.root),
            source_roots=source_roots,
        )
        fetcher = auto_symbols_from_args(args, paths, store.executables)
        if fetcher is not None:
            fetcher.start()
            follow_collector(collector, fetcher)
        serving.start(store)
        try:
            return App(store, tabs, options, symbols=symbols, announce=collector.announce).run()
        finally:
            if fetcher is not None:
                fetcher.stop()
            serving.stop(collector)
            store.close()
    finally:
        ingest.close()


def _tabs(services: Services, wanted: str | None) -> list[Tab] | None:
    """Every tab, or None (with a message) when `wanted` is not one of them."""
    from devfiler.ui.registry import all_tabs

    tabs = all_tabs(services)
    if wanted is not None and wanted not in {tab.id for tab in tabs}:
        print(
            f"devfiler: unknown tab {wanted!r} (one of: {', '.join(t.id for t in tabs)})",
            file=sys.stderr,
        )
        return None
    return tabs
