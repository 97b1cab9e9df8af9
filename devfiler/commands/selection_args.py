"""The flags that pick a selection (kind, range, filters, inline, stack shape), shared by
`query` and `export`.

Filters repeat (`--thread a --thread b` means either) and a leading `!`
excludes (`--thread '!gc'`). The saved ignore list applies unless
`--no-ignore` says otherwise; `--ignore` / `--cut-at` add rules to it.
"""

from __future__ import annotations

import argparse

from devfiler.analysis.ignore_file import ignore_path, read_ignore_list
from devfiler.analysis.labels import SymbolLookup
from devfiler.analysis.results import (
    ALL_SAMPLE_KINDS,
    FILTER_FIELDS,
    UNBOUNDED_END,
    UNBOUNDED_START,
    Selection,
)
from devfiler.analysis.shape_options import IgnoreAction, IgnoreRule, StackShape
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
    """--kind, --start/--end/--last, the filters, --no-inline, the shape flags and --data-dir."""
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
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="RE",
        help="hide frames whose function or label matches this regular expression: they "
        "merge into their caller (repeatable; adds to the saved ignore list)",
    )
    parser.add_argument(
        "--cut-at",
        action="append",
        default=[],
        metavar="RE",
        help="end stacks at frames matching this regular expression, dropping what they "
        "called (repeatable; adds to the saved ignore list)",
    )
    parser.add_argument(
        "--no-ignore", action="store_true", help="do not apply the saved ignore list"
    )
    parser.add_argument(
        "--merge-recursion",
        action="store_true",
        help="a function calling itself directly shows as one frame",
    )
    parser.add_argument(
        "--focus",
        metavar="FUNCTION",
        help="only the stacks through this function, each starting at its outermost call",
    )
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
        shape=shape_of(args),
    )


def shape_of(args: argparse.Namespace) -> StackShape:
    """The saved ignore list (unless --no-ignore) plus the rules and shape flags given."""
    saved = () if args.no_ignore else read_ignore_list(ignore_path()).active
    given = tuple(IgnoreRule(p) for p in args.ignore) + tuple(
        IgnoreRule(p, IgnoreAction.CUT) for p in args.cut_at
    )
    return StackShape(saved + given, args.merge_recursion, args.focus or None)


def symbols_for(args: argparse.Namespace) -> SymbolLookup:
    """The symbol files next to the data (`devfiler symbols add` and the GUI fill them)."""
    return SymbolStore(data_paths(args.data_dir).symbols)
