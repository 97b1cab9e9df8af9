"""Flags of the process that owns the store and receives the agent's requests
(`devfiler collector` and the window), and the services built from them:
TLS, retention, summaries and forwarding.

Like the symbol flags, defaults are SUPPRESSed so the flags can sit on the
top-level parser and on `collector` without one overwriting the other;
readers use getattr with the real default.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import grpc

from devfiler.collector.forward import Forwarder
from devfiler.collector.request_log import RequestLog
from devfiler.collector.server import SHUTDOWN_GRACE_SECONDS, Collector
from devfiler.collector.tls import TlsError, server_credentials
from devfiler.commands.common import parse_duration
from devfiler.config import DEFAULT_MAX_DISK, DEFAULT_RETENTION
from devfiler.sizes import parse_size
from devfiler.storage.retention import RetentionPolicy
from devfiler.storage.retention_job import RetentionJob
from devfiler.storage.store import Store
from devfiler.storage.summary_job import SummaryJob

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


def forwarders(args: argparse.Namespace) -> tuple[Forwarder, ...]:
    """One forwarder per --forward, not started yet."""
    tls = not getattr(args, "forward_insecure", False)
    return tuple(Forwarder(target, tls=tls) for target in getattr(args, "forward", None) or ())


def retention_policy(args: argparse.Namespace) -> RetentionPolicy:
    """The bounds the flags give, with the defaults for those not given."""
    age = getattr(args, "retention", parse_duration(DEFAULT_RETENTION))
    disk = getattr(args, "max_disk", parse_size(DEFAULT_MAX_DISK))
    return RetentionPolicy(max_age_ns=age, max_disk_bytes=disk)


def add_serving_args(parser: argparse.ArgumentParser) -> None:
    """Every flag of this module."""
    add_tls_args(parser)
    add_retention_args(parser)
    add_forward_args(parser)


@dataclass(frozen=True, slots=True)
class Serving:
    """What runs beside the collector in the process that owns the store.

    Made from the flags before anything starts (bad TLS files stop devfiler
    before it opens the store); `collector()` builds the collector with the
    TLS credentials and the forwarders attached, `start()` starts retention
    and the summary job once the store is open, `stop()` stops all of it in
    order.
    """

    credentials: grpc.ServerCredentials | None
    retention: RetentionJob
    forwarders: tuple[Forwarder, ...]
    summaries: SummaryJob = field(default_factory=SummaryJob)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Serving:
        """TlsError when --tls-cert/--tls-key cannot be used."""
        return cls(tls_credentials(args), RetentionJob(retention_policy(args)), forwarders(args))

    def collector(self, store: Store, request_log: RequestLog | None = None) -> Collector:
        """The collector (not listening yet), handing every accepted request to the forwarders.

        Forwarders start here, before the port opens, so none of the first
        requests is missed; `stop()` stops them even if the collector never started.
        """
        collector = Collector(store, request_log=request_log, credentials=self.credentials)
        for forwarder in self.forwarders:
            forwarder.start()
            collector.on_accepted(forwarder.submit)
        return collector

    def start(self, store: Store) -> None:
        self.retention.start(store)
        self.summaries.start(store)

    def stop(self, collector: Collector) -> None:
        """Summaries and retention, then the collector (requests in flight finish), then
        forwarding, which gets a few seconds to send what waits. The store can close
        afterwards."""
        self.summaries.stop()
        self.retention.stop()
        collector.stop(SHUTDOWN_GRACE_SECONDS)
        for forwarder in self.forwarders:
            forwarder.stop()
