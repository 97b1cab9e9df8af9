"""Deliver serialized requests: over gRPC with gzip like the agent, or into files for tests.

Payloads are sent as the bytes they were serialized to, so a benchmark can
build them up front and measure only the delivery. Paced delivery sends each
request when its window has passed in real time (the agent reports at the end
of each 5 s interval); fast delivery keeps a few requests in flight at once.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import grpc
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceResponse,
)

from devfiler.collector.server import EXPORT_METHOD

MAX_MESSAGE_BYTES = 32 * 1024 * 1024
"""What the agent allows itself."""


class SendError(RuntimeError):
    """The collector refused a request or could not be reached."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One serialized request and when it is due, in seconds after the first one."""

    payload: bytes
    due_s: float = 0.0
    events: int = 0


@dataclass(frozen=True, slots=True)
class SendReport:
    requests: int
    events: int
    payload_bytes: int
    rejected_profiles: int
    elapsed_s: float
    """From the first send to the last response."""
    messages: tuple[str, ...] = ()
    """partial_success messages of the collector, if any."""


def _identity(payload: bytes) -> bytes:
    return payload


def open_exporter(
    target: str,
) -> tuple[grpc.Channel, Callable[..., grpc.Future[ExportProfilesServiceResponse]]]:
    """A plaintext channel (the agent's -disable-tls) and the Export call taking raw bytes."""
    channel = grpc.insecure_channel(
        target,
        options=[("grpc.max_send_message_length", MAX_MESSAGE_BYTES)],
        compression=grpc.Compression.Gzip,
    )
    export = channel.unary_unary(
        EXPORT_METHOD,
        request_serializer=_identity,
        response_deserializer=ExportProfilesServiceResponse.FromString,
    )
    return channel, export.future


def send(
    target: str,
    items: Iterable[Outgoing],
    *,
    paced: bool,
    concurrency: int = 1,
    timeout_s: float = 60.0,
) -> SendReport:
    """Send every item and wait for every answer; raises SendError on the first refusal."""
    channel, export = open_exporter(target)
    in_flight: deque[grpc.Future[ExportProfilesServiceResponse]] = deque()
    requests = events = payload_bytes = rejected = 0
    messages: list[str] = []

    def settle(future: grpc.Future[ExportProfilesServiceResponse]) -> None:
        nonlocal rejected
        try:
            response = future.result()
        except grpc.RpcError as error:
            raise SendError(f"{target}: {error.code().name}: {error.details()}") from None
        if response.HasField("partial_success"):
            rejected += response.partial_success.rejected_profiles
            if response.partial_success.error_message:
                messages.append(response.partial_success.error_message)

    started = time.monotonic()
    try:
        for item in items:
            if paced:
                delay = started + item.due_s - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            while len(in_flight) >= max(1, concurrency):
                settle(in_flight.popleft())
            in_flight.append(
                export(item.payload, timeout=timeout_s, compression=grpc.Compression.Gzip)
            )
            requests += 1
            events += item.events
            payload_bytes += len(item.payload)
        while in_flight:
            settle(in_flight.popleft())
    finally:
        for future in in_flight:
            future.cancel()
        channel.close()
    return SendReport(
        requests,
        events,
        payload_bytes,
        rejected,
        time.monotonic() - started,
        tuple(messages),
    )


def write_files(out_dir: Path, items: Iterable[Outgoing]) -> SendReport:
    """One file per request, 000001.pb, 000002.pb, ... in sending order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    requests = events = payload_bytes = 0
    for item in items:
        requests += 1
        (out_dir / f"{requests:06d}.pb").write_bytes(item.payload)
        events += item.events
        payload_bytes += len(item.payload)
    return SendReport(requests, events, payload_bytes, 0, time.monotonic() - started)
