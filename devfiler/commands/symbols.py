"""`devfiler symbols add|list`: ingest executables into the symbol folder, list executables.

Works while the collector runs: symbols are files beside the store, and the
store is only read (as a follower) to learn what the agent reported.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from devfiler.commands.common import add_data_dir
from devfiler.config import data_paths
from devfiler.model import Executable
from devfiler.storage.store import Store, StoreError
from devfiler.symbolize.executables import executable_rows
from devfiler.symbolize.ingest import ProgressCounters, ingest_file, iter_elf_files
from devfiler.symbolize.symbol_store import SymbolState, SymbolStore


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "symbols",
        help="add executables' symbols, list executables and their symbol status",
        description="Symbols for native frames, kept per file ID beside the store.",
    )
    actions = parser.add_subparsers(dest="symbols_action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add",
        help="ingest ELF files (directories are searched recursively)",
        description="Extract DWARF, Go and symbol-table symbols from ELF files and store them "
        "by file ID. Works while the collector runs.",
    )
    add.add_argument("paths", nargs="+", metavar="PATH", type=Path)
    add_data_dir(add)
    add.set_defaults(run=run_add)
    listing = actions.add_parser(
        "list", help="executables the agent reported or that were added, with their status"
    )
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_data_dir(listing)
    listing.set_defaults(run=run_list)


def run_add(args: argparse.Namespace) -> int:
    store = SymbolStore(data_paths(args.data_dir).symbols)
    missing = [p for p in args.paths if not p.exists()]
    for path in missing:
        print(f"devfiler symbols add: {path}: no such file or directory", file=sys.stderr)
    files = list(iter_elf_files(p for p in args.paths if p.exists()))
    counters = ProgressCounters()
    counters.queued(len(files))
    bar = sys.stderr.isatty()
    failed = bool(missing)
    for index, path in enumerate(files):
        if bar:
            _draw_bar(index, len(files), path)
        outcome = ingest_file(store, path, counters)
        if bar:
            sys.stderr.write("\r\x1b[K")
        print(outcome.summary(), flush=True)
        failed |= outcome.status.state in (SymbolState.ERROR, SymbolState.TEMPORARY_ERROR)
    return 1 if failed else 0


def _draw_bar(done: int, total: int, path: Path) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r\x1b[K[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {path.name}")
    sys.stderr.flush()


def reported_executables(args: argparse.Namespace) -> list[Executable]:
    """What the agent reported; empty when there is no store yet."""
    try:
        store = Store.open_reader(data_paths(args.data_dir))
    except StoreError:
        return []
    try:
        return store.executables()
    finally:
        store.close()


def run_list(args: argparse.Namespace) -> int:
    symbols = SymbolStore(data_paths(args.data_dir).symbols)
    rows = executable_rows(reported_executables(args), symbols)
    if args.json:
        print(json.dumps([row.to_json() for row in rows], indent=2))
        return 0
    for row in rows:
        build_id = row.gnu_build_id or row.go_build_id or "-"
        print(f"{row.file_id.hex()}  {row.file_name or '?':30}  {build_id:40}  {row.status}")
    return 0
