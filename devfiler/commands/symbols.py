"""`devfiler symbols add|list|fetch|export`: ingest executables into the symbol folder,
list executables, fetch one executable's symbols from the automatic sources, write
stored symbols as a symbfile.

Works while the collector runs: symbols are files beside the store, and the
store is only read (as a follower) to learn what the agent reported.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from devfiler.commands.common import add_data_dir
from devfiler.commands.symbol_args import add_symbol_source_args, symbol_chain_from_args
from devfiler.config import data_paths
from devfiler.model import Executable, FileId
from devfiler.storage.errors import StoreError
from devfiler.storage.store import Store
from devfiler.symbolize.formats.symbfile_ranges import write_symbfile
from devfiler.symbolize.sources.symb_endpoint import publish
from devfiler.symbolize.store.executables import executable_rows
from devfiler.symbolize.store.ingest import ProgressCounters, ingest_file, iter_elf_files
from devfiler.symbolize.store.symbol_store import SymbolState, SymbolStore


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
    fetch = actions.add_parser(
        "fetch",
        help="get one executable's symbols from local files, a symbol endpoint or debuginfod",
        description="Run the automatic symbol sources for one executable the agent reported: "
        "local files (by file ID), --symb-endpoint, then --debuginfod / DEBUGINFOD_URLS "
        "(by GNU build ID). Works while the collector runs.",
    )
    fetch.add_argument("file_id", metavar="FILE_ID", help="file ID (hex or ES form)")
    add_symbol_source_args(fetch, worker=False)
    add_data_dir(fetch)
    fetch.set_defaults(run=run_fetch)
    export = actions.add_parser(
        "export",
        help="write an executable's stored symbols as a zstd-compressed symbfile",
        description="Write stored symbols in the symbfile format that --symb-endpoint reads. "
        "With --tree, OUT is a folder laid out as a symbol endpoint (FILE_ID's "
        "metadata.json and ranges); serve it with any static web server.",
    )
    export.add_argument("file_id", metavar="FILE_ID", help="file ID (hex or ES form)")
    export.add_argument("out", metavar="OUT", type=Path, help="output file (folder with --tree)")
    export.add_argument(
        "--tree", action="store_true", help="add to a symbol endpoint tree rooted at OUT"
    )
    add_data_dir(export)
    export.set_defaults(run=run_export)


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


def _file_id(text: str, command: str) -> FileId | None:
    try:
        return FileId.parse(text)
    except ValueError:
        print(f"devfiler symbols {command}: {text!r} is not a file ID", file=sys.stderr)
        return None


def run_fetch(args: argparse.Namespace) -> int:
    file_id = _file_id(args.file_id, "fetch")
    if file_id is None:
        return 2
    paths = data_paths(args.data_dir)
    reported = reported_executables(args)
    executable = next((e for e in reported if e.file_id == file_id), Executable(file_id))
    chain = symbol_chain_from_args(args, paths)
    outcome = chain.run(executable, reported)
    print(outcome.summary())
    return 0 if outcome.status.state is SymbolState.SYMBOLIZED else 1


def run_export(args: argparse.Namespace) -> int:
    file_id = _file_id(args.file_id, "export")
    if file_id is None:
        return 2
    symbols = SymbolStore(data_paths(args.data_dir).symbols).symbol_file(file_id)
    if symbols is None:
        print(f"devfiler symbols export: no symbols stored for {file_id.hex()}", file=sys.stderr)
        return 1
    table = symbols.to_table()
    if args.tree:
        written = publish(args.out, file_id, table) / "ranges"
    else:
        write_symbfile(args.out, table)
        written = args.out
    print(f"{file_id.hex()}: {len(table)} ranges written to {written}")
    return 0
