"""Entry point `devfiler`: the GUI by default, subcommands for headless work.

Each subcommand lives in its own module under devfiler/commands/ with
`register(subparsers)` (adds its parser and sets `run`) and is listed once in
COMMANDS below.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from devfiler import __version__

COMMANDS: tuple[str, ...] = (
    "collector",
    "query",
    "export",
    "importer",
    "loadgen",
    "symbols",
    "symbolize",
)
"""Modules of devfiler.commands, in the order `devfiler --help` lists them."""


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
    for name in COMMANDS:
        importlib.import_module(f"devfiler.commands.{name}").register(subparsers)
    gui = importlib.import_module("devfiler.commands.gui")
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
        run = importlib.import_module("devfiler.commands.collector").run
    return int(run(args))


if __name__ == "__main__":
    sys.exit(main())
