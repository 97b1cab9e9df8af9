"""A gzip channel to the real collector of the shared `collector` fixture."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from devfiler.collector.server import Collector


@pytest.fixture
def channel(collector: Collector) -> Iterator[grpc.Channel]:
    """A channel to the collector that gzips every request, as the agent does."""
    with grpc.insecure_channel(
        f"127.0.0.1:{collector.port}", compression=grpc.Compression.Gzip
    ) as opened:
        yield opened
