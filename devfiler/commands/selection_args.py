"""The flags that pick a selection (kind, range, filters, inline), shared by `query` and `export`.

Filters repeat (`--thread a --thread b` means either) and a leading `!`
excludes (`--thread '!gc'`).
"""

from __future__ import annotations

import argparse

from devfiler.analysis.labels import SymbolLookup
from devfiler.analysis.results import (
    ALL_SAMPLE_KINDS,
    FILTER_FIELDS,
    UNBOUNDED_END,
    UNBOUNDED_START,
    Selection,
)
from devfiler.commands.common import add_data_dir, add_time_range, resolve_time_range
from devfiler.config import data_paths
from devfiler.model import SampleKind
from devfiler.symbolize.store.symbol_store import SymbolStore

KIND_CHOICES = ("mixed", "all", "on_cpu", "off_cpu", "uprobe", "unknown")
FILTER_HELP = {
    "thread": "thread name (comm)",
    "pid": "process ID",
    "exe": "executable name or path",
    "container": "container ID (a prefix is enough)",
    "service": "service name",
}


def add_selection_args(parser: argparse.ArgumentParser) -> None:
    """--kind, --start/--end/--last, the filters, --no-inline and --data-dir."""
    parser.add_argument(
        "--kind",
        choices=KIND_CHOICES,
        default="mixed",
        help="sample kind; mixed (= all) counts events, off_cpu weighs nanoseconds",
    )
    add_time_range(parser)
    for field in FILTER_FIELDS:
        parser.add_argument(
            f"--{field}",
            action="append",
            default=[],
            metavar="VALUE",
            help=f"only this {FILTER_HELP[field]} (repeatable; prefix ! to exclude)",
        )
    parser.add_argument("--no-inline", action="store_true", help="do not expand inline frames")
    add_data_dir(parser)


def filters_of(values: dict[str, list[str]]) -> tuple[tuple[tuple[str, str], ...], ...]:
    """(include, exclude) from each field's values; a leading `!` excludes."""
    include: list[tuple[str, str]] = []
    exclude: list[tuple[str, str]] = []
    for field in FILTER_FIELDS:
        for value in values.get(field, ()):
            if value.startswith("!"):
                exclude.append((field, value[1:]))
            else:
                include.append((field, value))
    return tuple(include), tuple(exclude)


def selection_of(args: argparse.Namespace) -> Selection:
    start, end = resolve_time_range(args)
    if args.kind in ("mixed", "all"):
        kinds = ALL_SAMPLE_KINDS
    else:
        kinds = frozenset({SampleKind.from_cli(args.kind)})
    include, exclude = filters_of({field: getattr(args, field) for field in FILTER_FIELDS})
    return Selection(
        start_ns=start if start != -(1 << 63) else UNBOUNDED_START,
        end_ns=end if end != (1 << 63) - 1 else UNBOUNDED_END,
        kinds=kinds,
        include=include,
        exclude=exclude,
        inline=not args.no_inline,
    )


def symbols_for(args: argparse.Namespace) -> SymbolLookup:
    """The symbol files next to the data (`devfiler symbols add` and the GUI fill them)."""
    return SymbolStore(data_paths(args.data_dir).symbols)
