"""Flags of the process that owns the store and receives the agent's requests
(`devfiler collector` and the window), and the services built from them:
TLS, retention and forwarding.

Like the symbol flags, defaults are SUPPRESSed so the flags can sit on the
top-level parser and on `collector` without one overwriting the other;
readers use getattr with the real default.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import grpc

from devfiler.collector.forward import Forwarder
from devfiler.collector.server import Collector
from devfiler.collector.tls import TlsError, server_credentials
from devfiler.commands.common import parse_duration
from devfiler.config import DEFAULT_MAX_DISK, DEFAULT_RETENTION
from devfiler.sizes import parse_size
from devfiler.storage.retention import RetentionPolicy
from devfiler.storage.retention_job import RetentionJob

OFF = "off"


def add_tls_args(parser: argparse.ArgumentParser) -> None:
    """--tls-cert and --tls-key."""
    group = parser.add_argument_group("TLS")
    group.add_argument(
        "--tls-cert",
        metavar="FILE",
        type=Path,
        default=argparse.SUPPRESS,
        help="serve TLS with this PEM certificate (chain), so the agent runs without "
        "-disable-tls; needs --tls-key",
    )
    group.add_argument(
        "--tls-key",
        metavar="FILE",
        type=Path,
        default=argparse.SUPPRESS,
        help="the PEM private key of --tls-cert (not encrypted)",
    )


def tls_credentials(args: argparse.Namespace) -> grpc.ServerCredentials | None:
    """The server credentials of --tls-cert/--tls-key; None for plaintext; TlsError if unusable."""
    cert = getattr(args, "tls_cert", None)
    key = getattr(args, "tls_key", None)
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise TlsError("--tls-cert and --tls-key go together: give both, or neither for plaintext")
    return server_credentials(cert, key)


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


def add_forward_args(parser: argparse.ArgumentParser) -> None:
    """--forward and --forward-insecure."""
    group = parser.add_argument_group("forwarding")
    group.add_argument(
        "--forward",
        metavar="HOST:PORT",
        action="append",
        type=_host_port,
        default=argparse.SUPPRESS,
        help="also send every accepted request to this OTLP profiles endpoint, e.g. an "
        "OpenTelemetry Collector (repeatable; TLS unless --forward-insecure)",
    )
    group.add_argument(
        "--forward-insecure",
        action="store_true",
        default=argparse.SUPPRESS,
        help="forward in plaintext instead of TLS",
    )


def _host_port(text: str) -> str:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT (e.g. otel-collector:4317)")
    return text


def forwarders(args: argparse.Namespace) -> list[Forwarder]:
    """One forwarder per --forward, not started yet."""
    tls = not getattr(args, "forward_insecure", False)
    return [Forwarder(target, tls=tls) for target in getattr(args, "forward", None) or ()]


def start_forwarding(collector: Collector, started: list[Forwarder]) -> None:
    """Start the forwarders and hand them every request the collector accepts."""
    for forwarder in started:
        forwarder.start()
        collector.on_accepted(forwarder.submit)


def stop_forwarding(stopped: list[Forwarder]) -> None:
    """After the collector stopped: what waits gets a few seconds to go, then it is dropped."""
    for forwarder in stopped:
        forwarder.stop()


def retention_policy(args: argparse.Namespace) -> RetentionPolicy:
    """The bounds the flags give, with the defaults for those not given."""
    age = getattr(args, "retention", parse_duration(DEFAULT_RETENTION))
    disk = getattr(args, "max_disk", parse_size(DEFAULT_MAX_DISK))
    return RetentionPolicy(max_age_ns=age, max_disk_bytes=disk)


def retention_job(args: argparse.Namespace) -> RetentionJob:
    """The retention job of the flags, not started (it starts once the store is open)."""
    return RetentionJob(retention_policy(args))
