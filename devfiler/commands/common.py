"""Arguments and parsing shared by several subcommands: data dir, time range."""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import UTC, datetime

from devfiler.config import DataPaths, data_paths
from devfiler.storage.errors import OutdatedStoreError
from devfiler.storage.store import Store

NS_PER_SECOND = 1_000_000_000
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h|d)$")
_UNIT_NS = {
    "ns": 1,
    "us": 1_000,
    "ms": 1_000_000,
    "s": NS_PER_SECOND,
    "m": 60 * NS_PER_SECOND,
    "h": 3600 * NS_PER_SECOND,
    "d": 86400 * NS_PER_SECOND,
}


def add_data_dir(parser: argparse.ArgumentParser, default: str | None = argparse.SUPPRESS) -> None:
    """`--data-dir`, on the top-level parser (default None) and on subcommands.

    A subcommand's default would overwrite a value given before the
    subcommand (`devfiler --data-dir D query stats`), so subcommands set it
    only when it is given.
    """
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=default,
        help="where the store lives (default: the user cache dir, e.g. ~/.cache/devfiler/v3)",
    )


def add_discard_old_store(
    parser: argparse.ArgumentParser, default: bool | str = argparse.SUPPRESS
) -> None:
    """`--discard-old-store`; like `--data-dir`, subcommands set it only when given."""
    parser.add_argument(
        "--discard-old-store",
        action="store_true",
        default=default,
        help="if the store was written by an older devfiler that this one cannot read, "
        "delete its event data without asking (symbol files are kept)",
    )


def open_writable(paths: DataPaths, args: argparse.Namespace) -> Store:
    """Open the store to write; an outdated one is deleted when the user says so.

    With `--discard-old-store` it goes without asking; on a terminal devfiler
    asks; otherwise the error explains both ways out.
    """
    try:
        return Store.open(paths)
    except OutdatedStoreError as error:
        if not getattr(args, "discard_old_store", False) and not _confirm_discard(error):
            raise
    Store.discard(paths)
    return Store.open(paths)


def _confirm_discard(error: OutdatedStoreError) -> bool:
    if not sys.stdin.isatty():
        return False
    print(f"devfiler: {error}.", file=sys.stderr)
    answer = input(f"Delete the old event data in {error.paths.db} now? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def add_time_range(
    parser: argparse.ArgumentParser, default: str | None = argparse.SUPPRESS
) -> None:
    """`--start/--end/--last`; like `--data-dir`, subcommands set them only when given."""
    parser.add_argument(
        "--start",
        metavar="TIME",
        default=default,
        help="range start: nanoseconds since the epoch or ISO 8601",
    )
    parser.add_argument(
        "--end",
        metavar="TIME",
        default=default,
        help="range end (exclusive): nanoseconds or ISO 8601",
    )
    parser.add_argument(
        "--last",
        metavar="DURATION",
        default=default,
        help="the last DURATION up to now, e.g. 15m, 1h, 24h",
    )


def parse_time(text: str) -> int:
    """Nanoseconds since the epoch (any int64) or an ISO 8601 time (UTC if no zone)."""
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        value = int(text)
        if not -(1 << 63) <= value < 1 << 63:
            raise ValueError(f"time {text} does not fit in int64 nanoseconds")
        return value
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"time {text!r} is neither nanoseconds since the epoch nor ISO 8601"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = int(moment.timestamp())
    return seconds * NS_PER_SECOND + moment.microsecond * 1000


def parse_duration(text: str) -> int:
    """A duration like 15m, 1h, 24h, 500ms in nanoseconds."""
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise ValueError(f"duration {text!r} is not like 15m, 1h, 24h, 30s or 500ms")
    return int(float(match.group(1)) * _UNIT_NS[match.group(2)])


def resolve_time_range(args: argparse.Namespace, now_ns: int | None = None) -> tuple[int, int]:
    """[start, end) from --start/--end/--last; everything when none is given."""
    now = time.time_ns() if now_ns is None else now_ns
    if args.last is not None:
        if args.start is not None or args.end is not None:
            raise ValueError("--last cannot be combined with --start/--end")
        return now - parse_duration(args.last), now + 1
    start = parse_time(args.start) if args.start is not None else -(1 << 63)
    end = parse_time(args.end) if args.end is not None else (1 << 63) - 1
    if end <= start:
        raise ValueError("--end must be after --start")
    return start, end


def open_reader(args: argparse.Namespace) -> Store:
    """Open the store for a query, following a running collector if there is one."""
    return Store.open_reader(data_paths(args.data_dir))


def add_source_root(parser: argparse.ArgumentParser) -> None:
    """--source-root OLD=NEW: where source files recorded on the profiled host are here."""
    parser.add_argument(
        "--source-root",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="read source files recorded under OLD from NEW instead (repeatable; "
        "the first matching OLD wins)",
    )
