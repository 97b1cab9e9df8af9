"""The gRPC server that receives the agent's profiles and writes them to the store.

The server runs on asyncio (grpc.aio) in a thread of its own: receiving a
request body costs no thread, so a sender that starts an upload and never
finishes it holds nothing that other agents need. Only complete bodies go to
a small thread pool that decodes them into an `IngestBatch`
(collector/decode.py) and writes it in one atomic store write. A request is
stored whole before it is acknowledged, or refused whole. The method is
registered with a raw-bytes deserializer so the request log keeps the
payload as received without re-serializing it.

Export is served as a client-streaming method: on the wire a unary call is
the same, and reading the one message ourselves is what lets the server
give up on a body that does not arrive in time (`ServerLimits`).

Used by `devfiler collector` and by the GUI, which runs the same server
in-process:

    collector = Collector(store)
    address = collector.start("127.0.0.1:11000")   # "HOST:PORT"; port 0 picks a free one
    ...
    collector.stop()                               # in-flight requests finish and are stored
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import grpc
from grpc import aio
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2 import (
    ExportProfilesPartialSuccess,
    ExportProfilesServiceResponse,
)

from devfiler.collector.decode import decode_request
from devfiler.collector.errors import InvalidRequestError, RequestLimitError
from devfiler.collector.frame_cache import FrameCache
from devfiler.collector.request_log import Outcome, RequestLog
from devfiler.config import MAX_MESSAGE_BYTES
from devfiler.storage.batch import IngestBatch
from devfiler.storage.store import Store

SERVICE_NAME = "opentelemetry.proto.collector.profiles.v1development.ProfilesService"
EXPORT_METHOD = f"/{SERVICE_NAME}/Export"
SHUTDOWN_GRACE_SECONDS = 30.0
"""How long `stop()` lets in-flight requests run; a 64 MiB request decodes in a few seconds."""
DEFAULT_WORKERS = 2
"""Pool threads: one decodes while another waits on RocksDB. Decoding holds the GIL, so
more threads only contend for it (4 cost about 10% more CPU than 2 for the same work)."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """What one sender may hold of the server.

    The agent sends one Export at a time per connection, every 5 s, and gives
    up on it after a few seconds; each limit is far above that.
    """

    body_seconds: float = 20.0
    """A request's body must arrive (and the call half-close) within this many seconds."""
    calls_per_connection: int = 8
    """Concurrent calls on one HTTP/2 connection (the agent: 1)."""
    calls_total: int = 16
    """Concurrent calls over all connections; past it a call is refused RESOURCE_EXHAUSTED.
    Bodies wait in memory, so this times the 64 MiB message limit bounds what they hold."""
    idle_connection_seconds: float = 600.0
    """A connection without calls for this long is closed (the agent sends every 5 s)."""


class CollectorError(RuntimeError):
    """The collector cannot start; the message says why."""


@dataclass(frozen=True, slots=True)
class CollectorStats:
    """Counters since start. `requests` counts every request, refused ones included."""

    requests: int = 0
    samples: int = 0
    refused: int = 0
    rejected_profiles: int = 0


@dataclass(frozen=True, slots=True)
class _Handled:
    """How one request ended: what to log, count and answer."""

    outcome: Outcome
    samples: int
    rejected_profiles: int
    message: str
    status: grpc.StatusCode | None = None


class _BodyError(Exception):
    """The call's body did not come as one message in time; refused before any decoding."""

    def __init__(self, status: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.status = status


def parse_listen(listen: str) -> tuple[str, int]:
    """Split `HOST:PORT` (IPv6 hosts in brackets) and check the port."""
    host, sep, port_text = listen.rpartition(":")
    if not sep or not host or not port_text.isdigit() or int(port_text) > 65535:
        raise CollectorError(f"--listen {listen!r} is not HOST:PORT (e.g. 127.0.0.1:11000)")
    return host, int(port_text)


class Collector:
    """The OTLP profiles gRPC server writing into one store.

    The caller owns the store: open it before `start()`, close it after `stop()`.
    """

    def __init__(
        self,
        store: Store,
        *,
        workers: int = DEFAULT_WORKERS,
        request_log: RequestLog | None = None,
        limits: ServerLimits = ServerLimits(),
        credentials: grpc.ServerCredentials | None = None,
    ) -> None:
        """`credentials` (collector/tls.py) serve TLS; without them the port is plaintext."""
        self._store = store
        self._credentials = credentials
        self._workers = workers
        self._limits = limits
        self.request_log = request_log if request_log is not None else RequestLog()
        self._lock = threading.Lock()
        self._stats = CollectorStats()
        self._server: aio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._address = ""
        self._frame_cache = FrameCache()
        self._running_calls = 0
        """Export handlers running; touched on the event loop only."""
        self._listeners: list[Callable[[IngestBatch], None]] = []
        self._accepted: list[Callable[[bytes], None]] = []

    def on_stored(self, listener: Callable[[IngestBatch], None]) -> None:
        """Call `listener` with every batch once it is stored (on a pool thread: be quick).

        The symbol worker uses it to look at new executables at once instead
        of at its next poll.
        """
        self._listeners.append(listener)

    def on_accepted(self, listener: Callable[[bytes], None]) -> None:
        """Call `listener` with the payload of every request once it is stored, as received.

        Forwarding (collector/forward.py) re-sends these; partly rejected
        requests are accepted too. On a server thread: be quick.
        """
        self._accepted.append(listener)

    def announce(self, batch: IngestBatch) -> None:
        """Tell the listeners about a batch stored by other means (files imported in the window)."""
        _notify(self._listeners, batch)

    # -- life cycle ------------------------------------------------------

    def start(self, listen: str) -> str:
        """Listen on `HOST:PORT` and serve; returns the bound address with the real port."""
        if self._server is not None:
            raise CollectorError(f"the collector already listens on {self._address}")
        host, _ = parse_listen(listen)
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="collector-grpc", daemon=True)
        thread.start()
        pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="collector")
        self._pool = pool
        try:
            server, port = asyncio.run_coroutine_threadsafe(self._serve(listen), loop).result()
        except CollectorError:
            _stop_loop(loop, thread)
            pool.shutdown(wait=False)
            self._pool = None
            raise
        self._server, self._loop, self._thread = server, loop, thread
        self._address = f"{host}:{port}"
        _log.info(
            "collector listening on %s (%s)",
            self._address,
            "plaintext" if self._credentials is None else "TLS",
        )
        return self._address

    async def _serve(self, listen: str) -> tuple[aio.Server, int]:
        limits = self._limits
        server = aio.server(
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_concurrent_streams", limits.calls_per_connection),
                ("grpc.max_connection_idle_ms", int(limits.idle_connection_seconds * 1000)),
                # Without this a second devfiler could bind the same port and
                # silently receive half of the agent's requests.
                ("grpc.so_reuseport", 0),
            ],
            maximum_concurrent_rpcs=limits.calls_total,
        )
        handler = grpc.stream_unary_rpc_method_handler(
            self._export,
            request_deserializer=None,
            response_serializer=ExportProfilesServiceResponse.SerializeToString,
        )
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(SERVICE_NAME, {"Export": handler}),)
        )
        try:
            if self._credentials is None:
                port = server.add_insecure_port(listen)
            else:
                port = server.add_secure_port(listen, self._credentials)
        except RuntimeError as error:
            port = 0
            reason = str(error)
        else:
            reason = "the address is in use or not local"
        if port == 0:
            await server.stop(None)
            raise CollectorError(f"cannot listen on {listen}: {reason}")
        await server.start()
        return server, port

    def stop(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        """Stop accepting requests; those in flight get `grace` seconds to finish and be stored.

        Returns once no handler runs any more, so the store can be closed right after.
        """
        server, loop, thread, pool = self._server, self._loop, self._thread, self._pool
        if server is None or loop is None or thread is None or pool is None:
            return
        _log.info("collector on %s stopping; requests in flight get %.0f s", self._address, grace)
        asyncio.run_coroutine_threadsafe(self._shutdown(server, grace), loop).result()
        # A handler cancelled after the grace period may still be writing: the
        # pool's shutdown waits for it, so nothing writes to a closed store.
        pool.shutdown(wait=True)
        _stop_loop(loop, thread)
        self._server = self._loop = self._thread = self._pool = None
        stats = self.stats()
        _log.info(
            "collector on %s stopped after %d requests (%d samples, %d refused)",
            self._address,
            stats.requests,
            stats.samples,
            stats.refused,
        )

    async def _shutdown(self, server: aio.Server, grace: float) -> None:
        """Let running calls finish within `grace`, then close every connection.

        grpc waits for idle connections to acknowledge the shutdown as long
        as the grace lasts; a sender that never reads would hold it that long.
        """
        stopping = asyncio.ensure_future(server.stop(grace))
        deadline = time.monotonic() + grace
        while self._running_calls and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await server.stop(0)
        await stopping

    def __enter__(self) -> Collector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def address(self) -> str:
        """`HOST:PORT` with the bound port; empty before `start()`."""
        return self._address

    @property
    def port(self) -> int:
        return parse_listen(self._address)[1] if self._address else 0

    def stats(self) -> CollectorStats:
        with self._lock:
            return self._stats

    # -- one request -----------------------------------------------------

    async def _export(
        self, requests: object, context: aio.ServicerContext[bytes, bytes]
    ) -> ExportProfilesServiceResponse:
        received_ns = time.time_ns()
        peer = context.peer()
        self._running_calls += 1
        try:
            return await self._answer(context, received_ns, peer)
        finally:
            self._running_calls -= 1

    async def _answer(
        self, context: aio.ServicerContext[bytes, bytes], received_ns: int, peer: str
    ) -> ExportProfilesServiceResponse:
        try:
            payload = await asyncio.wait_for(_one_message(context), self._limits.body_seconds)
        except TimeoutError:
            payload, handled = (
                b"",
                _refused(
                    grpc.StatusCode.DEADLINE_EXCEEDED,
                    f"the request body did not arrive within {self._limits.body_seconds:g} s",
                ),
            )
        except _BodyError as error:
            payload, handled = b"", _refused(error.status, str(error))
        else:
            assert self._pool is not None
            loop = asyncio.get_running_loop()
            handled = await loop.run_in_executor(self._pool, self._ingest, payload, received_ns)
        self.request_log.add(
            received_ns=received_ns,
            peer=peer,
            metadata=tuple(context.invocation_metadata() or ()),
            payload=payload,
            samples=handled.samples,
            outcome=handled.outcome,
            message=handled.message,
        )
        self._count(handled)
        if handled.status is not None:
            _log.warning("refused a request from %s: %s", peer, handled.message)
            await context.abort(handled.status, handled.message)
        _log.debug("stored %d samples (%d bytes) from %s", handled.samples, len(payload), peer)
        if handled.outcome is Outcome.PARTIAL:
            _log.warning("partly rejected a request from %s: %s", peer, handled.message)
            return ExportProfilesServiceResponse(
                partial_success=ExportProfilesPartialSuccess(
                    rejected_profiles=handled.rejected_profiles, error_message=handled.message
                )
            )
        return ExportProfilesServiceResponse()

    def _ingest(self, payload: bytes, received_ns: int) -> _Handled:
        """Parse, decode and store one request; never raises."""
        try:
            result = decode_request(payload, received_ns, self._frame_cache)
        except RequestLimitError as error:
            return _refused(grpc.StatusCode.RESOURCE_EXHAUSTED, str(error))
        except InvalidRequestError as error:
            return _refused(grpc.StatusCode.INVALID_ARGUMENT, str(error))
        except Exception as error:
            _log.exception("decoding a request failed")
            return _refused(grpc.StatusCode.INTERNAL, f"devfiler failed to decode: {error!r}")
        try:
            self._store.write(result.batch)
        except Exception as error:
            _log.exception("storing a request failed")
            return _refused(grpc.StatusCode.INTERNAL, f"devfiler failed to store: {error!r}")
        self.announce(result.batch)
        _notify(self._accepted, payload)
        outcome = Outcome.PARTIAL if result.rejected_profiles else Outcome.OK
        return _Handled(outcome, result.samples, result.rejected_profiles, result.error_message)

    def _count(self, handled: _Handled) -> None:
        with self._lock:
            old = self._stats
            self._stats = CollectorStats(
                requests=old.requests + 1,
                samples=old.samples + handled.samples,
                refused=old.refused + (handled.outcome is Outcome.REFUSED),
                rejected_profiles=old.rejected_profiles + handled.rejected_profiles,
            )


async def _one_message(context: aio.ServicerContext[bytes, bytes]) -> bytes:
    """The call's only message, once the client has half-closed (reads give bytes or EOF)."""
    payload = await context.read()
    if not isinstance(payload, bytes):
        raise _BodyError(grpc.StatusCode.INVALID_ARGUMENT, "the call carried no request")
    if isinstance(await context.read(), bytes):
        raise _BodyError(
            grpc.StatusCode.INVALID_ARGUMENT, "Export takes one request per call, not a stream"
        )
    return payload


def _stop_loop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


_Heard = TypeVar("_Heard")


def _notify(listeners: list[Callable[[_Heard], None]], value: _Heard) -> None:
    """Call each listener; one that fails is logged and the others still hear of it."""
    for listener in listeners:
        try:
            listener(value)
        except Exception:
            _log.exception("a listener of stored requests failed")


def _refused(status: grpc.StatusCode, message: str) -> _Handled:
    return _Handled(Outcome.REFUSED, 0, 0, message, status)
