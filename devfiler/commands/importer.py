"""`devfiler import PATH...`: store pprof, OTLP and collapsed-stacks files.

Each file is validated whole by the collector's decoder, then stored, and a
line says what it held; a bad file is refused with the reason and nothing
of it is stored, and the others still are. The store must not be in use:
while the window runs, use its "Open profile..." instead.
"""

from __future__ import annotations

import argparse
import sys

from devfiler.collector.frame_cache import FrameCache
from devfiler.commands.common import add_data_dir
from devfiler.config import data_paths
from devfiler.export.importing import ProfileImportError, import_file, profile_files
from devfiler.storage.errors import StoreError
from devfiler.storage.store import Store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import",
        help="store profile files: OTLP requests (.binpb), pprof (gzipped or not), collapsed",
        description="Store profile files as if an agent had sent them. The format is told by "
        "content: OTLP ExportProfilesServiceRequest (binary protobuf, what the gRPC tab "
        "saves), pprof (gzipped or not), or collapsed stacks text. A folder stands for the "
        "files in it.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    add_data_dir(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        store = Store.open(data_paths(args.data_dir))
    except StoreError as error:
        print(
            f"devfiler import: {error} (while the window runs, use its Open profile...)",
            file=sys.stderr,
        )
        return 2
    refused = 0
    cache = FrameCache()
    try:
        for path in profile_files(args.paths):
            try:
                imported = import_file(store, path, frame_cache=cache)
            except ProfileImportError as error:
                refused += 1
                print(f"devfiler import: refused {error}", file=sys.stderr)
                continue
            print(imported.summary())
    finally:
        store.close()
    return 1 if refused else 0
