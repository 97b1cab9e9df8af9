"""`devfiler symbolize FILE_ID|PATH ADDR...`: inline chains of addresses, like addr2line -i -f -C.

With a PATH the file is ingested first (when its file ID has no symbols yet).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from devfiler.commands.common import add_data_dir
from devfiler.config import data_paths
from devfiler.model import FileId, SourceLine
from devfiler.symbolize.formats.fileid import file_id_of_path
from devfiler.symbolize.store.ingest import ingest_file
from devfiler.symbolize.store.symbol_store import SymbolState, SymbolStore


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "symbolize",
        help="print the inline chain of addresses in an executable (like addr2line -i -f -C)",
        description="For each address (hex) print function and file:line, innermost first.",
    )
    parser.add_argument(
        "target", metavar="FILE_ID|PATH", help="file ID (hex or ES form) or ELF path"
    )
    parser.add_argument("addresses", nargs="+", metavar="ADDR", help="addresses, hex (0x optional)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_data_dir(parser)
    parser.set_defaults(run=run)


def parse_address(text: str) -> int:
    value = int(text.lower().removeprefix("0x"), 16)
    if not 0 <= value < 1 << 64:
        raise ValueError(f"address {text} does not fit in 64 bits")
    return value


def run(args: argparse.Namespace) -> int:
    store = SymbolStore(data_paths(args.data_dir).symbols)
    try:
        addresses = [parse_address(a) for a in args.addresses]
    except ValueError as error:
        print(f"devfiler symbolize: {error}", file=sys.stderr)
        return 2
    path = Path(args.target)
    if path.is_file():
        file_id = file_id_of_path(path)
        if not store.has_symbols(file_id):
            outcome = ingest_file(store, path)
            if outcome.status.state is not SymbolState.SYMBOLIZED:
                print(f"devfiler symbolize: {path}: {outcome.status}", file=sys.stderr)
    else:
        try:
            file_id = FileId.parse(args.target)
        except ValueError:
            print(
                f"devfiler symbolize: {args.target} is neither a file nor a file ID",
                file=sys.stderr,
            )
            return 2
    if not store.has_symbols(file_id):
        print(f"devfiler symbolize: {_nothing_stored(store, file_id)}", file=sys.stderr)
        return 1
    chains = store.lookup(file_id, np.asarray(addresses, dtype=np.uint64))
    if args.json:
        doc = [
            {"addr": f"{a:#x}", "frames": [_frame_json(f) for f in reversed(chain)]}
            for a, chain in zip(addresses, chains, strict=True)
        ]
        print(json.dumps(doc, indent=2))
        return 0
    for chain in chains:
        if not chain:
            print("??\n??:0")
        for frame in reversed(chain):
            print(frame.function or "??")
            print(f"{frame.file or '??'}:{frame.line or '?'}")
    return 0


def _nothing_stored(store: SymbolStore, file_id: FileId) -> str:
    status = store.status(file_id)
    known = "" if status.state is SymbolState.NOT_ATTEMPTED else f" ({status})"
    return (
        f"no symbols are stored for file ID {file_id.hex()}{known}; "
        "add the executable or its debug file with `devfiler symbols add PATH`"
    )


def _frame_json(frame: SourceLine) -> dict[str, object]:
    return {"function": frame.function, "file": frame.file, "line": frame.line}
