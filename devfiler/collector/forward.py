"""Forwarding: every request the collector accepted, re-sent to an OTLP profiles endpoint.

A team's OpenTelemetry Collector (or another devfiler) gets the same stream
the agent sends here. The collector hands each accepted request's payload to
`Forwarder.submit`, which only appends it to a bounded in-memory queue, so a
slow or dead downstream never delays the agent's acknowledgement or the store.
One sender thread per downstream sends the queue in order, as received (the
same bytes, gzip on the wire as the agent sends them), and retries what
fails for a passing reason with exponential backoff. When the queue is full
the oldest waiting request is dropped; a request the downstream refuses for
good (invalid, unimplemented, unauthenticated) is dropped as well. Both are
counted in `stats()` (the gRPC tab) and logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace

import grpc
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceResponse,
)

from devfiler.collector.server import EXPORT_METHOD
from devfiler.config import MAX_MESSAGE_BYTES
from devfiler.retry import RetryPolicy
from devfiler.sizes import format_size

QUEUE_BYTES = 64 * 1024 * 1024
"""Payload bytes waiting per downstream at most: minutes of a busy agent."""
RETRYABLE = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.OUT_OF_RANGE,
        grpc.StatusCode.DATA_LOSS,
    }
)
"""OTLP's retryable codes, and RESOURCE_EXHAUSTED: a busy collector says so."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits between attempts (0.5 s, doubling up to 30 s) and how long one attempt may take."""

    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(first_s=0.5, max_s=30.0))
    call_timeout: float = 30.0
    """How long one attempt may take; a 64 MiB request to a busy collector needs a while."""


@dataclass(frozen=True, slots=True)
class ForwardStats:
    """Counters of one downstream since start."""

    target: str
    tls: bool
    sent: int = 0
    waiting: int = 0
    """Requests queued or being sent."""
    waiting_bytes: int = 0
    retries: int = 0
    dropped_full: int = 0
    """The oldest waiting requests, dropped to make room."""
    dropped_refused: int = 0
    """Requests the downstream refused for good."""
    dropped_at_stop: int = 0
    """Requests still waiting when devfiler stopped."""
    failing_since_ns: int | None = None
    last_error: str = ""

    @property
    def dropped(self) -> int:
        return self.dropped_full + self.dropped_refused + self.dropped_at_stop

    def describe(self) -> str:
        """One line for the gRPC tab."""
        scheme = "TLS" if self.tls else "plaintext"
        text = (
            f"Forwarding to {self.target} ({scheme}): {self.sent:,} sent, {self.waiting:,} "
            f"waiting ({format_size(self.waiting_bytes)}), {self.dropped:,} dropped"
        )
        if self.dropped:
            text += (
                f" (queue full {self.dropped_full:,}, refused {self.dropped_refused:,}, "
                f"at stop {self.dropped_at_stop:,})"
            )
        if self.failing_since_ns is not None:
            seconds = (time.time_ns() - self.failing_since_ns) / 1e9
            text += f"; failing for {seconds:.0f} s, retrying: {self.last_error}"
        return text + "."


class Forwarder:
    """Re-sends submitted payloads to one downstream on its own thread."""

    def __init__(
        self,
        target: str,
        *,
        tls: bool,
        queue_bytes: int = QUEUE_BYTES,
        backoff: Backoff = Backoff(),
    ) -> None:
        self.target = target
        self._queue_bytes = queue_bytes
        self._backoff = backoff
        self._queue: deque[bytes] = deque()
        self._queued_bytes = 0
        self._in_flight: bytes | None = None
        self._call: grpc.Future[ExportProfilesServiceResponse] | None = None
        """The last call made; `stop()` cancels it when the drain time is over."""
        self._cond = threading.Condition()
        self._stats = ForwardStats(target, tls)
        self._stopping = False
        self._told_dropping = False
        """The log said the queue is full, and nothing was sent since."""
        self._deadline = float("inf")
        options = [
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            # gRPC's own reconnect backoff reaches 2 minutes; ours decides when to try.
            ("grpc.initial_reconnect_backoff_ms", int(backoff.retry.first_s * 1000)),
            ("grpc.min_reconnect_backoff_ms", int(backoff.retry.first_s * 1000)),
            ("grpc.max_reconnect_backoff_ms", int(backoff.retry.max_s * 1000)),
        ]
        if tls:
            self._channel = grpc.secure_channel(
                target, grpc.ssl_channel_credentials(), options, grpc.Compression.Gzip
            )
        else:
            self._channel = grpc.insecure_channel(target, options, grpc.Compression.Gzip)
        self._export = self._channel.unary_unary(
            EXPORT_METHOD,
            request_serializer=None,
            response_deserializer=ExportProfilesServiceResponse.FromString,
        )
        self._thread = threading.Thread(target=self._run, name=f"forward {target}", daemon=True)

    def start(self) -> None:
        _log.info(
            "forwarding accepted requests to %s (%s)",
            self.target,
            "TLS" if self._stats.tls else "plaintext",
        )
        self._thread.start()

    def submit(self, payload: bytes) -> None:
        """Queue a payload to send; returns at once, dropping the oldest waiting when full."""
        with self._cond:
            if self._stopping:
                return
            self._queue.append(payload)
            self._queued_bytes += len(payload)
            dropped = 0
            while self._queued_bytes > self._queue_bytes and len(self._queue) > 1:
                self._queued_bytes -= len(self._queue.popleft())
                dropped += 1
            if dropped:
                if not self._told_dropping:
                    self._told_dropping = True
                    _log.warning(
                        "forwarding to %s: the queue is full (%s); dropping the oldest requests",
                        self.target,
                        format_size(self._queue_bytes),
                    )
                self._stats = replace(self._stats, dropped_full=self._stats.dropped_full + dropped)
            self._refresh_waiting()
            self._cond.notify()

    def stats(self) -> ForwardStats:
        with self._cond:
            return self._stats

    def stop(self, drain_seconds: float = 5.0) -> None:
        """Send what waits for up to `drain_seconds`, then drop the rest (counted, logged)."""
        with self._cond:
            self._stopping = True
            self._deadline = time.monotonic() + drain_seconds
            self._cond.notify()
        if self._thread.is_alive():
            # A call to a slow downstream may have begun before the stop: cancel it
            # once the drain time is over, so that devfiler stops in time.
            self._thread.join(drain_seconds + 0.5)
            with self._cond:
                call = self._call
            if call is not None:
                call.cancel()
            self._thread.join()
        self._channel.close()
        with self._cond:
            left = len(self._queue) + (self._in_flight is not None)
            self._queue.clear()
            self._queued_bytes = 0
            self._in_flight = None
            self._stats = replace(self._stats, dropped_at_stop=left)
            self._refresh_waiting()
        if left:
            _log.warning(
                "forwarding to %s: %d requests were not sent at shutdown", self.target, left
            )

    # -- the sender thread -------------------------------------------------

    def _refresh_waiting(self) -> None:
        flying = self._in_flight
        self._stats = replace(
            self._stats,
            waiting=len(self._queue) + (flying is not None),
            waiting_bytes=self._queued_bytes + (len(flying) if flying is not None else 0),
        )

    def _next(self) -> bytes | None:
        """The request to send: the one being retried, else the oldest waiting; None to end."""
        with self._cond:
            while self._in_flight is None and not self._queue and not self._stopping:
                self._cond.wait()
            if self._in_flight is None and self._queue:
                self._in_flight = self._queue.popleft()
                self._queued_bytes -= len(self._in_flight)
            if self._stopping and (self._in_flight is None or time.monotonic() >= self._deadline):
                return None
            return self._in_flight

    def _run(self) -> None:
        failures = 0
        while (payload := self._next()) is not None:
            timeout = self._backoff.call_timeout
            if self._stopping:
                timeout = min(timeout, max(0.1, self._deadline - time.monotonic()))
            call = self._export.future(payload, timeout=timeout)
            with self._cond:
                self._call = call
            try:
                call.result()
            except grpc.FutureCancelledError:
                continue  # stop() gave up on it: the next turn ends the loop
            except grpc.RpcError as error:
                code = error.code()
                message = f"{code.name}: {error.details()}"
                if code in RETRYABLE:
                    self._failed(message)
                    failures += 1
                    self._pause(self._backoff.retry.delay(failures))
                    continue
                self._refused(message)
            else:
                self._sent()
            failures = 0

    def _pause(self, delay: float) -> None:
        """Wait `delay` before the next attempt; `stop()` cuts it to the drain deadline."""
        with self._cond:
            stopping = self._stopping
            if stopping:
                delay = max(0.0, min(delay, self._deadline - time.monotonic()))
            self._cond.wait_for(lambda: self._stopping != stopping, timeout=delay)

    def _failed(self, message: str) -> None:
        with self._cond:
            stats = self._stats
            if stats.failing_since_ns is None:
                _log.warning(
                    "forwarding to %s failed (%s); retrying with backoff, keeping up to %s of "
                    "requests",
                    self.target,
                    message,
                    format_size(self._queue_bytes),
                )
            self._stats = replace(
                stats,
                retries=stats.retries + 1,
                failing_since_ns=stats.failing_since_ns or time.time_ns(),
                last_error=message,
            )

    def _refused(self, message: str) -> None:
        _log.warning(
            "forwarding to %s: the downstream refused a request (%s); dropped it",
            self.target,
            message,
        )
        with self._cond:
            self._in_flight = None
            self._stats = replace(
                self._stats,
                dropped_refused=self._stats.dropped_refused + 1,
                failing_since_ns=None,
                last_error=message,
            )
            self._refresh_waiting()

    def _sent(self) -> None:
        with self._cond:
            stats = self._stats
            if stats.failing_since_ns is not None:
                _log.info(
                    "forwarding to %s works again after %.0f s; %d requests dropped so far",
                    self.target,
                    (time.time_ns() - stats.failing_since_ns) / 1e9,
                    stats.dropped,
                )
            self._in_flight = None
            self._told_dropping = False
            self._stats = replace(stats, sent=stats.sent + 1, failing_since_ns=None)
            self._refresh_waiting()
