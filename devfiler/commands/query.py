"""`devfiler query`: everything the tabs compute, headless, as text or JSON.

One subcommand per view; all of them read the store through a reader that
follows a running collector. Filters repeat (`--thread a --thread b` means
either) and a leading `!` excludes (`--thread '!gc'`).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from typing import Any

from devfiler.analysis.collapsed import collapsed
from devfiler.analysis.diff import diff_flamegraph
from devfiler.analysis.flamegraph import flamegraph
from devfiler.analysis.flamescope import flamescope
from devfiler.analysis.labels import SymbolLookup
from devfiler.analysis.results import (
    ALL_SAMPLE_KINDS,
    FILTER_FIELDS,
    UNBOUNDED_END,
    UNBOUNDED_START,
    Selection,
    TopOrder,
)
from devfiler.analysis.sandwich import sandwich
from devfiler.analysis.serialize import (
    Json,
    collapsed_json,
    flamegraph_json,
    flamescope_json,
    sandwich_json,
    store_stats_json,
    timeline_json,
    top_json,
    trace_stats_json,
    write_json,
)
from devfiler.analysis.stats import store_stats
from devfiler.analysis.timeline import TARGET_BUCKETS, timeline
from devfiler.analysis.topfunctions import DEFAULT_LIMIT, top_functions
from devfiler.analysis.tracestats import trace_stats
from devfiler.commands import query_text
from devfiler.commands.common import (
    add_data_dir,
    add_time_range,
    open_reader,
    parse_time,
    resolve_time_range,
)
from devfiler.config import data_paths
from devfiler.model import SampleKind
from devfiler.storage.store import Store, StoreError
from devfiler.symbolize.symbol_store import SymbolStore

KIND_CHOICES = ("mixed", "all", "on_cpu", "off_cpu", "uprobe", "unknown")
_FILTER_HELP = {
    "thread": "thread name (comm)",
    "pid": "process ID",
    "exe": "executable name or path",
    "container": "container ID (a prefix is enough)",
    "service": "service name",
}

Handler = Callable[[argparse.Namespace, Store, SymbolLookup | None], "Json | str"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "query",
        help="print what the tabs show (flamegraph, top functions, ...) as text or JSON",
        description="Query the store without a window. Times are nanoseconds since the "
        "epoch or ISO 8601; without a range, everything stored.",
    )
    views = parser.add_subparsers(dest="view", metavar="VIEW", required=True)

    stats = views.add_parser("stats", help="events, weights and table sizes of the store")
    stats.add_argument("--json", action="store_true", help="print JSON")
    add_data_dir(stats)
    stats.set_defaults(run=_run_stats)

    traces = _view(views, "traces", "one line per distinct (thread, stack)", _traces)
    traces.add_argument(
        "--collapsed", action="store_true", help="collapsed stacks (the default text output)"
    )
    line = _view(views, "timeline", "weight over time in about 1000 round buckets", _timeline)
    line.add_argument(
        "--buckets", type=int, default=TARGET_BUCKETS, help="about how many buckets (1000)"
    )
    graph = _view(views, "flamegraph", "the flamegraph tree", _flamegraph)
    graph.add_argument(
        "--collapsed", action="store_true", help="print collapsed stacks instead of the tree"
    )
    _add_min_pct(graph)
    middle = _view(views, "sandwich", "callers and callees of one function", _sandwich)
    middle.add_argument("function", help="function name, as in the flamegraph")
    middle.add_argument("--file", help="only the function of this source file")
    _add_min_pct(middle)
    diff = _view(views, "diff", "differential flamegraph against a baseline range", _diff)
    diff.add_argument("--base-start", required=True, metavar="TIME", help="baseline start")
    diff.add_argument("--base-end", required=True, metavar="TIME", help="baseline end")
    _add_min_pct(diff)
    top = _view(views, "top", "top functions (self and with children)", _top)
    top.add_argument(
        "--sort", choices=[o.value for o in TopOrder], default="self", help="order (self)"
    )
    top.add_argument("--filter", default="", help="only functions whose name or file has this")
    top.add_argument(
        "--limit", type=int, default=DEFAULT_LIMIT, help=f"rows (default {DEFAULT_LIMIT})"
    )
    top.add_argument("--heat", action="store_true", help="add the 256-slice heat strips (JSON)")
    _view(views, "flamescope", "weight per second and 10 ms row", _flamescope)
    _view(views, "tracestats", "deduplication rates and trace count histograms", _tracestats)


def _view(
    views: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
    handler: Handler,
) -> argparse.ArgumentParser:
    parser = views.add_parser(name, help=help_text, description=help_text)
    parser.add_argument("--json", action="store_true", help="print JSON")
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
            help=f"only this {_FILTER_HELP[field]} (repeatable; prefix ! to exclude)",
        )
    parser.add_argument("--no-inline", action="store_true", help="do not expand inline frames")
    add_data_dir(parser)
    parser.set_defaults(run=_runner(handler))
    return parser


def _add_min_pct(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--min-pct",
        type=float,
        default=0.5,
        help="text tree: hide nodes under this share of the root (0.5)",
    )


def selection_of(args: argparse.Namespace) -> Selection:
    start, end = resolve_time_range(args)
    if args.kind in ("mixed", "all"):
        kinds = ALL_SAMPLE_KINDS
    else:
        kinds = frozenset({SampleKind.from_cli(args.kind)})
    include: list[tuple[str, str]] = []
    exclude: list[tuple[str, str]] = []
    for field in FILTER_FIELDS:
        for value in getattr(args, field):
            if value.startswith("!"):
                exclude.append((field, value[1:]))
            else:
                include.append((field, value))
    return Selection(
        start_ns=start if start != -(1 << 63) else UNBOUNDED_START,
        end_ns=end if end != (1 << 63) - 1 else UNBOUNDED_END,
        kinds=kinds,
        include=tuple(include),
        exclude=tuple(exclude),
        inline=not args.no_inline,
    )


def symbols_for(args: argparse.Namespace) -> SymbolLookup:
    """The symbol files next to the data (`devfiler symbols add` and the GUI fill them)."""
    return SymbolStore(data_paths(args.data_dir).symbols)


def _runner(handler: Handler) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            selection_of(args)
            store = open_reader(args)
        except (ValueError, StoreError) as error:
            print(f"devfiler query: {error}", file=sys.stderr)
            return 2
        try:
            output = handler(args, store, symbols_for(args))
        except ValueError as error:
            print(f"devfiler query: {error}", file=sys.stderr)
            return 2
        finally:
            store.close()
        _print(output)
        return 0

    return run


def _print(output: Json | str) -> None:
    if isinstance(output, str):
        sys.stdout.write(output)
    else:
        write_json(output, sys.stdout)
        sys.stdout.write("\n")


def _run_stats(args: argparse.Namespace) -> int:
    try:
        store = open_reader(args)
    except StoreError as error:
        print(f"devfiler query: {error}", file=sys.stderr)
        return 2
    try:
        doc = store_stats_json(store_stats(store))
    finally:
        store.close()
    _print(doc if args.json else query_text.key_values(doc))
    return 0


def _traces(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    result = collapsed(store, selection_of(args), symbols)
    return collapsed_json(result) if args.json else query_text.collapsed_lines(result)


def _timeline(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    if args.buckets < 1:
        raise ValueError("--buckets must be at least 1")
    result = timeline(store, selection_of(args), args.buckets)
    return timeline_json(result) if args.json else query_text.timeline_lines(result)


def _flamegraph(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    if args.collapsed:
        return _traces(args, store, symbols)
    result = flamegraph(store, selection_of(args), symbols)
    if args.json:
        return flamegraph_json(result)
    return query_text.tree(result.root, result.unit, args.min_pct)


def _sandwich(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    result = sandwich(store, selection_of(args), args.function, symbols, file=args.file)
    if args.json:
        return sandwich_json(result)
    return (
        "callers (each node's children are its callers):\n"
        + query_text.tree(result.callers, result.unit, args.min_pct)
        + "callees:\n"
        + query_text.tree(result.callees, result.unit, args.min_pct)
    )


def _diff(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    selection = selection_of(args)
    base_start, base_end = parse_time(args.base_start), parse_time(args.base_end)
    if base_end <= base_start:
        raise ValueError("--base-end must be after --base-start")
    base = dataclasses.replace(selection, start_ns=base_start, end_ns=base_end)
    result = diff_flamegraph(store, selection, base, symbols)
    if args.json:
        return flamegraph_json(result)
    return query_text.tree(result.root, result.unit, args.min_pct)


def _top(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    if args.limit < 0:
        raise ValueError("--limit must not be negative")
    result = top_functions(
        store,
        selection_of(args),
        symbols,
        order=TopOrder(args.sort),
        filter_text=args.filter,
        limit=args.limit,
    )
    return top_json(result, heat=args.heat) if args.json else query_text.top_table(result)


def _flamescope(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    result = flamescope(store, selection_of(args))
    return flamescope_json(result) if args.json else query_text.flamescope_lines(result)


def _tracestats(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    doc: dict[str, Any] = trace_stats_json(trace_stats(store, selection_of(args)))
    return doc if args.json else query_text.key_values(doc)
