"""A real collector on a loopback port, writing into a real store in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from devfiler.collector.server import Collector
from devfiler.config import data_paths
from devfiler.storage.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(data_paths(tmp_path / "data")) as opened:
        yield opened


@pytest.fixture
def collector(store: Store) -> Iterator[Collector]:
    running = Collector(store)
    running.start("127.0.0.1:0")
    yield running
    running.stop(grace=5)


@pytest.fixture
def channel(collector: Collector) -> Iterator[grpc.Channel]:
    """A channel to the collector that gzips every request, as the agent does."""
    with grpc.insecure_channel(
        f"127.0.0.1:{collector.port}", compression=grpc.Compression.Gzip
    ) as opened:
        yield opened
