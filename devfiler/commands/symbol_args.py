"""Flags for automatic symbols, shared by `devfiler collector`, the window and
`devfiler symbols fetch`, and the worker built from them.

Defaults are SUPPRESSed so the same flags can sit on the top-level parser (the
window: `devfiler --debuginfod URL`) and on a subcommand without the
subcommand's defaults overwriting values given before it; readers use
getattr with the real default.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path

from devfiler.collector.server import Collector
from devfiler.config import DataPaths
from devfiler.model import Executable
from devfiler.symbolize.sources.auto_symbols import DEFAULT_MAX_FETCHES, AutoSymbols
from devfiler.symbolize.sources.debuginfod import server_urls
from devfiler.symbolize.sources.process_maps import ProcessMaps
from devfiler.symbolize.sources.symbol_chain import SourceSettings, SymbolChain
from devfiler.symbolize.store.symbol_store import SymbolStore


def add_symbol_source_args(parser: argparse.ArgumentParser, *, worker: bool = True) -> None:
    """--symbols-dir, --symb-endpoint, --debuginfod; with `worker` also --no-auto-symbols
    and --max-fetches."""
    group = parser.add_argument_group("automatic symbols")
    group.add_argument(
        "--symbols-dir",
        metavar="DIR",
        action="append",
        type=Path,
        default=argparse.SUPPRESS,
        help="also look for executables and debug files in DIR (repeatable)",
    )
    group.add_argument(
        "--symb-endpoint",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="symbol service that serves symbfile ranges by file ID",
    )
    group.add_argument(
        "--debuginfod",
        metavar="URL",
        action="append",
        default=argparse.SUPPRESS,
        help="debuginfod server (repeatable; DEBUGINFOD_URLS is used as well)",
    )
    if worker:
        group.add_argument(
            "--no-auto-symbols",
            action="store_true",
            default=argparse.SUPPRESS,
            help="do not fetch symbols for reported executables in the background",
        )
        group.add_argument(
            "--max-fetches",
            metavar="N",
            type=_positive,
            default=argparse.SUPPRESS,
            help=f"symbol fetches at once (default {DEFAULT_MAX_FETCHES})",
        )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def source_settings(args: argparse.Namespace) -> SourceSettings:
    return SourceSettings(
        symbols_dirs=tuple(getattr(args, "symbols_dir", None) or ()),
        symb_endpoint=getattr(args, "symb_endpoint", None) or "",
        debuginfod_urls=tuple(server_urls(getattr(args, "debuginfod", None) or ())),
    )


def symbol_chain_from_args(
    args: argparse.Namespace, paths: DataPaths, processes: ProcessMaps | None = None
) -> SymbolChain:
    settings = dataclasses.replace(source_settings(args), processes=processes)
    return SymbolChain.from_settings(SymbolStore(paths.symbols), paths.downloads, settings)


def auto_symbols_from_args(
    args: argparse.Namespace,
    paths: DataPaths,
    reported: Callable[[], Iterable[Executable]],
) -> AutoSymbols | None:
    """The worker (not started yet), or None with --no-auto-symbols. `reported` is
    typically `store.executables` of the store the collector writes."""
    if getattr(args, "no_auto_symbols", False):
        return None
    processes = ProcessMaps()
    return AutoSymbols(
        symbol_chain_from_args(args, paths, processes),
        reported,
        max_fetches=getattr(args, "max_fetches", None) or DEFAULT_MAX_FETCHES,
        processes=processes,
    )


def follow_collector(collector: Collector, worker: AutoSymbols) -> None:
    """Every stored request tells the worker its processes and whether it named executables."""
    collector.on_stored(
        lambda batch: worker.reported(
            {context.pid for context in batch.contexts}, bool(batch.executables)
        )
    )
