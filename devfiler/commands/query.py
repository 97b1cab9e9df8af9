"""`devfiler query`: everything the tabs compute, headless, as text or JSON.

One subcommand per view; all of them read the store through a reader that
follows a running collector. Filters repeat (`--thread a --thread b` means
either) and a leading `!` excludes (`--thread '!gc'`).
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import itertools
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from devfiler.analysis.collapsed import collapsed
from devfiler.analysis.diff import diff_flamegraph
from devfiler.analysis.flamegraph import flamegraph_table
from devfiler.analysis.flamescope import MAX_SECOND_COLUMNS, store_flamescope
from devfiler.analysis.labels import SymbolLookup
from devfiler.analysis.results import FILTER_FIELDS, FlameGraphTable, Selection, TopOrder
from devfiler.analysis.samples import COLUMNS, FrameTarget, samples_behind, sorted_samples
from devfiler.analysis.sandwich import sandwich
from devfiler.analysis.shape import load_shaped
from devfiler.analysis.source_lines import function_lines, parse_source_roots, read_source
from devfiler.analysis.stats import store_stats
from devfiler.analysis.timeline import TARGET_BUCKETS, load_timeline
from devfiler.analysis.topfunctions import DEFAULT_LIMIT, top_functions
from devfiler.analysis.tracestats import trace_stats
from devfiler.commands.common import (
    add_data_dir,
    add_source_root,
    open_reader,
    parse_time,
)
from devfiler.commands.selection_args import (
    add_selection_args,
    filters_of,
    selection_of,
    symbols_for,
)
from devfiler.export import text as query_text
from devfiler.export.flame_json import flamegraph_json_parts
from devfiler.export.json_doc import (
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
from devfiler.export.samples_doc import samples_json, samples_lines
from devfiler.export.source_doc import lines_json, lines_text, shown_lines
from devfiler.storage.errors import StoreError
from devfiler.storage.store import Store

Output = Json | str | Iterator[str]
"""A view's output: a JSON document, plain text, or JSON text in pieces made by the view."""
Handler = Callable[[argparse.Namespace, Store, SymbolLookup | None], Output]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "query",
        help="print what the tabs show (flamegraph, top functions, ...) as text or JSON",
        description="Query the store without a window. Times are nanoseconds since the "
        "epoch or ISO 8601; without a range, everything stored.",
    )
    views = parser.add_subparsers(dest="view", metavar="VIEW", required=True)

    stats = views.add_parser("stats", help="events, weights and table sizes of the store")
    _add_json(stats)
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
    orientation = graph.add_mutually_exclusive_group()
    orientation.add_argument(
        "--icicle",
        dest="flame",
        action="store_false",
        help="text tree: the root on top, callees below (the default)",
    )
    orientation.add_argument(
        "--flame",
        dest="flame",
        action="store_true",
        help="text tree: the root at the bottom, callees above",
    )
    graph.set_defaults(flame=False)
    _add_min_pct(graph)
    graph.add_argument(
        "--min-share",
        type=float,
        default=0.0,
        metavar="F",
        help="JSON: leave out nodes under this fraction of the root (e.g. 0.0001); their "
        'parent gives their summed weight as "omitted" (default 0: the complete tree)',
    )
    middle = _view(views, "sandwich", "callers and callees of one function", _sandwich)
    middle.add_argument("function", help="function name, as in the flamegraph")
    middle.add_argument("--file", help="only the function of this source file")
    _add_min_pct(middle)
    diff = _view(
        views,
        "diff",
        "differential flamegraph against a baseline: another range, other filters, or both",
        _diff,
    )
    diff.add_argument(
        "--baseline-start", "--base-start", metavar="TIME", help="baseline range start"
    )
    diff.add_argument("--baseline-end", "--base-end", metavar="TIME", help="baseline range end")
    diff.add_argument(
        "--baseline-filter",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="the baseline's filters instead of the selection's, e.g. thread=main or "
        "'pid=!42' (repeatable; fields: " + ", ".join(FILTER_FIELDS) + ")",
    )
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
    behind = _view(
        views,
        "samples",
        "the samples behind a frame: time, thread, TID, PID, executable, container, weight",
        _samples,
    )
    which = behind.add_mutually_exclusive_group(required=True)
    which.add_argument("--function", metavar="NAME", help="function name, as in the flamegraph")
    which.add_argument("--frame", metavar="ID", help="frame ID (developer mode's tooltip)")
    behind.add_argument(
        "--limit", type=int, default=10_000, help="samples listed, the first by time (10000)"
    )
    behind.add_argument("--sort", choices=COLUMNS, default="time", help="order (time)")
    behind.add_argument("--descending", action="store_true", help="largest first")
    source = _view(views, "lines", "self and total weight per source line of a function", _lines)
    source.add_argument("function", help="function name, as in the flamegraph")
    add_source_root(source)
    source.add_argument(
        "--whole-file", action="store_true", help="every line of the file, not only the function's"
    )
    scope = _view(views, "flamescope", "weight per second and 10 ms row", _flamescope)
    scope.add_argument(
        "--column-seconds",
        type=_positive_int,
        metavar="N",
        help="seconds summed per column (default: 1 up to an hour of range, then as few as "
        f"keep {MAX_SECOND_COLUMNS} columns)",
    )
    _view(views, "tracestats", "deduplication rates and trace count histograms", _tracestats)


def _view(
    views: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
    handler: Handler,
) -> argparse.ArgumentParser:
    parser = views.add_parser(name, help=help_text, description=help_text)
    _add_json(parser)
    add_selection_args(parser)
    parser.set_defaults(run=_runner(handler))
    return parser


def _add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON (compact)")
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")


def _add_min_pct(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--min-pct",
        type=float,
        default=0.5,
        help="text tree: hide nodes under this share of the root (0.5)",
    )


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
        return _print(output, pretty=args.pretty)

    return run


def _print(output: Output, *, pretty: bool = False) -> int:
    """Write the output; a reader that went away (`| head`) ends the command quietly with 0."""
    pieces: Iterable[str]
    if isinstance(output, str):
        pieces = [output]
    elif isinstance(output, dict):
        pieces = [_json_text(output, pretty=pretty) + "\n"]
    else:
        pieces = output
    try:
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
    except BrokenPipeError:
        # Later flushes (at exit) would fail again: point stdout at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _json_text(doc: Json, *, pretty: bool) -> str:
    """The C encoder when the document is shallow enough for it, else the loop (deep stacks)."""
    if not pretty:
        try:
            return json.dumps(doc, separators=(",", ":"))
        except RecursionError:
            pass
    out = io.StringIO()
    write_json(doc, out, compact=not pretty)
    return out.getvalue()


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
    return _print(doc if args.json else query_text.key_values(doc), pretty=args.pretty)


def _traces(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    result = collapsed(load_shaped(store, selection_of(args), symbols, times=False))
    return collapsed_json(result) if args.json else query_text.collapsed_lines(result)


def _timeline(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    if args.buckets < 1:
        raise ValueError("--buckets must be at least 1")
    result = load_timeline(store, selection_of(args), args.buckets)
    return timeline_json(result) if args.json else query_text.timeline_lines(result)


def _flamegraph(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Output:
    if args.collapsed:
        return _traces(args, store, symbols)
    if not 0.0 <= args.min_share <= 1.0:
        raise ValueError("--min-share must be between 0 and 1")
    profile = load_shaped(store, selection_of(args), symbols, times=False)
    if args.json:
        graph = flamegraph_table(profile, args.min_share)
        if args.pretty:
            return _parsed(graph)
        return itertools.chain(flamegraph_json_parts(graph), "\n")
    table = flamegraph_table(profile, args.min_pct / 100).table
    shown = table.pruned(100.0 * table.weight / max(int(table.weight[0]), 1) >= args.min_pct)
    text = query_text.tree(shown.tree(), profile.unit, args.min_pct)
    return "".join(reversed(text.splitlines(keepends=True))) if args.flame else text


def _parsed(graph: FlameGraphTable) -> Json:
    """The flamegraph document as objects, for `--pretty` (slow on large trees, like indenting).

    The decoder recurses twice per tree level: its limit is raised to the tree's depth.
    """
    text = "".join(flamegraph_json_parts(graph))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + 4 * int(graph.table.depth.max()))
    try:
        doc: Json = json.loads(text)
    finally:
        sys.setrecursionlimit(limit)
    return doc


def _sandwich(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    result = sandwich(
        load_shaped(store, selection_of(args), symbols, times=False), args.function, file=args.file
    )
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
    result = diff_flamegraph(
        load_shaped(store, selection, symbols, times=False),
        load_shaped(store, baseline_of(args, selection), symbols, times=False),
    )
    if args.json:
        return flamegraph_json(result)
    return query_text.tree(result.root, result.unit, args.min_pct)


def baseline_of(args: argparse.Namespace, selection: Selection) -> Selection:
    """The selection with the baseline's range and/or filters in place of its own."""
    start, end = args.baseline_start, args.baseline_end
    if (start is None) != (end is None):
        raise ValueError("--baseline-start and --baseline-end go together")
    if start is None and not args.baseline_filter:
        raise ValueError(
            "diff needs a baseline: --baseline-start/--baseline-end or --baseline-filter"
        )
    base = selection
    if start is not None:
        base_start, base_end = parse_time(start), parse_time(end)
        if base_end <= base_start:
            raise ValueError("--baseline-end must be after --baseline-start")
        base = dataclasses.replace(base, start_ns=base_start, end_ns=base_end)
    if args.baseline_filter:
        values: dict[str, list[str]] = {}
        for text in args.baseline_filter:
            field, sep, value = text.partition("=")
            if not sep or field not in FILTER_FIELDS:
                raise ValueError(
                    f"--baseline-filter {text!r} is not FIELD=VALUE with FIELD one of "
                    + ", ".join(FILTER_FIELDS)
                )
            values.setdefault(field, []).append(value)
        include, exclude = filters_of(values)
        base = dataclasses.replace(base, include=include, exclude=exclude)
    return base


def _top(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    if args.limit < 0:
        raise ValueError("--limit must not be negative")
    heat = bool(args.json and args.heat)
    result = top_functions(
        load_shaped(store, selection_of(args), symbols, times=heat),
        order=TopOrder(args.sort),
        filter_text=args.filter,
        limit=args.limit,
        heat=heat,
    )
    if args.json:
        return top_json(result, heat=args.heat)
    return query_text.top_table(result, args.filter or "")


def _samples(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    if args.limit < 0:
        raise ValueError("--limit must not be negative")
    target = FrameTarget(function=args.function, frame_id=args.frame)
    result = samples_behind(store, selection_of(args), symbols, target, args.limit)
    rows = sorted_samples(result.rows, args.sort, descending=args.descending)
    return samples_json(result, rows) if args.json else samples_lines(result, rows)


def _lines(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    roots = parse_source_roots(args.source_root)
    result = function_lines(load_shaped(store, selection_of(args), symbols), args.function)
    files = []
    for file in result.files:
        text = read_source(file, roots)
        weights = [row for row in result.lines if row.file == file]
        files.append((text, shown_lines(weights, text, whole=args.whole_file)))
    return lines_json(result, files) if args.json else lines_text(result, files)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a whole number of at least 1")
    return value


def _flamescope(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    result = store_flamescope(store, selection_of(args), args.column_seconds)
    return flamescope_json(result) if args.json else query_text.flamescope_lines(result)


def _tracestats(args: argparse.Namespace, store: Store, symbols: SymbolLookup | None) -> Json | str:
    doc: dict[str, Any] = trace_stats_json(trace_stats(store, selection_of(args)))
    return doc if args.json else query_text.key_values(doc)
