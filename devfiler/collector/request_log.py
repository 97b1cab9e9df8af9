"""The last requests the collector received, for the developer-mode gRPC tab.

The server adds one record per request on its hot path, so a record keeps the
raw payload bytes as received (no copy, no conversion); `payload_tree` turns a
payload into a JSON-like tree only when someone looks at it. Payloads are the
only large part: past a memory budget the oldest payloads are dropped while
their summary rows stay.
"""

from __future__ import annotations

import enum
import threading
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesServiceRequest,
)

from devfiler.collector.payload_view import message_tree
from devfiler.config import REQUEST_LOG_SIZE

PAYLOAD_BUDGET_BYTES = 256 * 1024 * 1024
"""Payload bytes kept in memory at most; a few agents at 5 s batches stay far below."""


class Outcome(enum.Enum):
    """What the collector answered."""

    OK = "ok"
    PARTIAL = "partial"
    """Accepted, but some profiles were rejected (`partial_success`)."""
    REFUSED = "refused"
    """Refused whole with a gRPC error; nothing of it was stored."""


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """Summary of one request; `id` grows by one per request and keys its payload."""

    id: int
    received_ns: int
    peer: str
    metadata: tuple[tuple[str, str], ...]
    payload_size: int
    samples: int
    outcome: Outcome
    message: str = ""


class RequestLog:
    """Thread-safe ring of the last `capacity` requests with their payloads."""

    def __init__(
        self, capacity: int = REQUEST_LOG_SIZE, payload_budget: int = PAYLOAD_BUDGET_BYTES
    ) -> None:
        self._capacity = capacity
        self._budget = payload_budget
        self._lock = threading.Lock()
        self._records: deque[RequestRecord] = deque(maxlen=capacity)
        self._payloads: OrderedDict[int, bytes] = OrderedDict()
        self._payload_bytes = 0
        self._next_id = 0

    def add(
        self,
        *,
        received_ns: int,
        peer: str,
        metadata: Sequence[tuple[str, str | bytes]],
        payload: bytes,
        samples: int,
        outcome: Outcome,
        message: str = "",
    ) -> RequestRecord:
        """Record a request; evicts the oldest record and payloads beyond the budget."""
        pairs = tuple((key, _metadata_text(value)) for key, value in metadata)
        with self._lock:
            record = RequestRecord(
                self._next_id, received_ns, peer, pairs, len(payload), samples, outcome, message
            )
            self._next_id += 1
            if len(self._records) == self._capacity:
                self._drop_payload(self._records[0].id)
            self._records.append(record)
            self._payloads[record.id] = payload
            self._payload_bytes += len(payload)
            while self._payload_bytes > self._budget and self._payloads:
                self._drop_payload(next(iter(self._payloads)))
            return record

    def _drop_payload(self, record_id: int) -> None:
        payload = self._payloads.pop(record_id, None)
        if payload is not None:
            self._payload_bytes -= len(payload)

    def records(self) -> list[RequestRecord]:
        """The kept records, oldest first."""
        with self._lock:
            return list(self._records)

    def payload(self, record_id: int) -> bytes | None:
        """The raw request bytes, or None once dropped (evicted or over budget)."""
        with self._lock:
            return self._payloads.get(record_id)

    @property
    def payload_bytes(self) -> int:
        """Memory held by kept payloads."""
        with self._lock:
            return self._payload_bytes

    @property
    def total(self) -> int:
        """Requests recorded since start; changes whenever a record is added."""
        with self._lock:
            return self._next_id


def _metadata_text(value: str | bytes) -> str:
    """Binary (`-bin`) metadata values are shown as hex."""
    return value if isinstance(value, str) else value.hex()


def payload_tree(payload: bytes) -> dict[str, Any]:
    """The request as nested dicts and lists (proto field names), for display.

    A payload that is not a valid request gives a one-key tree that says why,
    so the viewer can show refused requests the same way.
    """
    try:
        request = ExportProfilesServiceRequest.FromString(payload)
    except DecodeError as error:
        return {"unreadable payload": f"{len(payload)} bytes: {error}"}
    return message_tree(request, request.dictionary.string_table)
