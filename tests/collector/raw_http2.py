"""A raw HTTP/2 client that starts Export calls and never finishes their bodies.

What a stuck or hostile sender does to the collector; grpcio's own client
cannot be made to stop half-way through a message.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field

import h2.config
import h2.connection
import h2.events

from devfiler.collector.server import EXPORT_METHOD


@dataclass
class HeldConnection:
    """One HTTP/2 connection to the collector with calls whose bodies stop half-way."""

    sock: socket.socket
    conn: h2.connection.H2Connection
    statuses: dict[int, str] = field(default_factory=dict)
    """grpc-status of each call the server has ended, by stream ID."""
    reset: set[int] = field(default_factory=set)
    max_streams: int | None = None

    @classmethod
    def open(cls, port: int) -> HeldConnection:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        conn.initiate_connection()
        sock.sendall(conn.data_to_send())
        return cls(sock, conn)

    def start_call(self, claimed: int = 1 << 20, sent: int = 1000) -> int:
        """Start an Export whose message claims `claimed` bytes and send only `sent` of them."""
        stream = self.conn.get_next_available_stream_id()
        self.conn.send_headers(
            stream,
            [
                (":method", "POST"),
                (":scheme", "http"),
                (":path", EXPORT_METHOD),
                (":authority", "127.0.0.1"),
                ("content-type", "application/grpc"),
                ("te", "trailers"),
            ],
        )
        self.conn.send_data(stream, b"\x00" + claimed.to_bytes(4, "big") + bytes(sent))
        self.sock.sendall(self.conn.data_to_send())
        return stream

    def pump(self, seconds: float) -> None:
        """Read what the server sends for `seconds`, noting settings and ended calls."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                return
            if not data:
                return
            for event in self.conn.receive_data(data):
                self._note(event)
            self.sock.sendall(self.conn.data_to_send())

    def _note(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.RemoteSettingsChanged):
            setting = event.changed_settings.get(h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS)
            if setting is not None:
                self.max_streams = setting.new_value
        elif isinstance(event, h2.events.TrailersReceived | h2.events.ResponseReceived):
            headers = {bytes(k).decode(): bytes(v).decode() for k, v in event.headers}
            if "grpc-status" in headers:
                self.statuses[event.stream_id] = headers["grpc-status"]
        elif isinstance(event, h2.events.StreamReset):
            self.reset.add(event.stream_id)

    def close(self) -> None:
        self.sock.close()
