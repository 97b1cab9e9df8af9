"""`devfiler export FORMAT`: write a selection as pprof, speedscope or collapsed stacks.

The selection flags are those of `devfiler query`; the store is read the
same way, so exports work while the collector runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devfiler.commands.common import open_reader
from devfiler.commands.selection_args import add_selection_args, selection_of, symbols_for
from devfiler.export.formats import FORMATS
from devfiler.storage.errors import StoreError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write a selection as pprof, speedscope or collapsed stacks",
        description="Write the selected events as a profile file for other tools. "
        + "; ".join(f"{f.name}: {f.description}" for f in FORMATS.values())
        + ". Without a range, everything stored.",
    )
    parser.add_argument("format", choices=list(FORMATS), metavar="FORMAT", help=", ".join(FORMATS))
    parser.add_argument(
        "-o", "--output", metavar="PATH", help="file to write (default: standard output)"
    )
    add_selection_args(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    export_format = FORMATS[args.format]
    if args.output is None and export_format.name == "pprof" and sys.stdout.isatty():
        print("devfiler export: pprof is binary; give -o PATH or redirect", file=sys.stderr)
        return 2
    try:
        selection = selection_of(args)
        store = open_reader(args)
    except (ValueError, StoreError) as error:
        print(f"devfiler export: {error}", file=sys.stderr)
        return 2
    try:
        data = export_format.render(store, selection, symbols_for(args))
    except ValueError as error:
        print(f"devfiler export: {error}", file=sys.stderr)
        return 2
    finally:
        store.close()
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        Path(args.output).write_bytes(data)
    except OSError as error:
        print(f"devfiler export: cannot write {args.output}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"wrote {args.output} ({export_format.name}, {len(data)} bytes)", file=sys.stderr)
    return 0
