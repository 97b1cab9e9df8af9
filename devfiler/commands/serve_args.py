"""Flags of the process that owns the store and receives the agent's requests
(`devfiler collector` and the window), and the services built from them.

Like the symbol flags, defaults are SUPPRESSed so the flags can sit on the
top-level parser and on `collector` without one overwriting the other;
readers use getattr with the real default.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from devfiler.commands.common import parse_duration
from devfiler.config import DEFAULT_MAX_DISK, DEFAULT_RETENTION
from devfiler.sizes import parse_size
from devfiler.storage.retention import RetentionPolicy
from devfiler.storage.retention_job import RetentionJob

OFF = "off"


def add_retention_args(parser: argparse.ArgumentParser) -> None:
    """--retention and --max-disk."""
    group = parser.add_argument_group("store bounds")
    group.add_argument(
        "--retention",
        metavar="DURATION",
        type=_bound(parse_duration),
        default=argparse.SUPPRESS,
        help=f"delete event data older than DURATION, e.g. 36h, 30d, or off "
        f"(default {DEFAULT_RETENTION})",
    )
    group.add_argument(
        "--max-disk",
        metavar="SIZE",
        type=_bound(parse_size),
        default=argparse.SUPPRESS,
        help="delete the oldest event data while the store takes more than SIZE, "
        f"e.g. 500MiB, 50GiB, or off (default {DEFAULT_MAX_DISK})",
    )


def _bound(parse: Callable[[str], int]) -> Callable[[str], int | None]:
    """An argparse type: a positive value, or None for `off`."""

    def convert(text: str) -> int | None:
        if text.strip().lower() == OFF:
            return None
        try:
            value = parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be more than 0, or off")
        return value

    return convert


def retention_policy(args: argparse.Namespace) -> RetentionPolicy:
    """The bounds the flags give, with the defaults for those not given."""
    age = getattr(args, "retention", parse_duration(DEFAULT_RETENTION))
    disk = getattr(args, "max_disk", parse_size(DEFAULT_MAX_DISK))
    return RetentionPolicy(max_age_ns=age, max_disk_bytes=disk)


def retention_job(args: argparse.Namespace) -> RetentionJob:
    """The retention job of the flags, not started (it starts once the store is open)."""
    return RetentionJob(retention_policy(args))
