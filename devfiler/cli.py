"""Entry point `devfiler`: the GUI by default, subcommands for headless work.

Each subcommand lives in its own module under devfiler/commands/ with
`register(subparsers)` (adds its parser and sets `run`) and is listed once in
COMMANDS below.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Protocol

from devfiler import __version__
from devfiler.commands import collector, export, gui, importer, loadgen, query, symbolize, symbols


class Command(Protocol):
    """A subcommand module: adds its parser, whose defaults carry `run`."""

    def register(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """Add the subcommand's parser to `subparsers`."""


COMMANDS: tuple[Command, ...] = (
    collector,
    query,
    export,
    importer,
    loadgen,
    symbols,
    symbolize,
)
"""In the order `devfiler --help` lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="devfiler",
        description="Desktop viewer for the OpenTelemetry eBPF profiling agent.",
    )
    parser.add_argument("--version", action="version", version=f"devfiler {__version__}")
    parser.add_argument(
        "--collector-only",
        action="store_true",
        help="run only the collector, without a window (same as `devfiler collector`)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    gui.add_arguments(parser)
    parser.set_defaults(run=gui.run)
    return parser


def setup_logging() -> None:
    """`DEVFILER_LOG` sets the level (default info)."""
    level = os.environ.get("DEVFILER_LOG", "info").upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging()
    run = args.run
    if args.collector_only and args.command is None:
        run = collector.run
    return int(run(args))


if __name__ == "__main__":
    sys.exit(main())
