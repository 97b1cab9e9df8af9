"""Small requests that stand for huge ones are refused quickly, naming the limit."""

from __future__ import annotations

import time

import grpc
import pytest

from devfiler.collector.request_log import Outcome
from devfiler.collector.server import EXPORT_METHOD, Collector
from devfiler.storage.store import Store
from tests.collector.bombs import BOMBS
from tests.collector.test_server import assert_store_empty

ANSWER_SECONDS = 30.0


@pytest.mark.parametrize(("payload", "message"), [b[1:] for b in BOMBS], ids=[b[0] for b in BOMBS])
def test_bomb_is_refused_naming_the_limit(
    channel: grpc.Channel, collector: Collector, store: Store, payload: bytes, message: str
) -> None:
    export_raw = channel.unary_unary(EXPORT_METHOD)
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as refused:
        export_raw(payload, timeout=ANSWER_SECONDS)
    print(f"answered in {time.monotonic() - started:.1f} s")
    assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED, refused.value.details()
    assert message in (refused.value.details() or "")
    assert "limit" in (refused.value.details() or "")
    assert_store_empty(store)
    assert collector.request_log.records()[-1].outcome is Outcome.REFUSED


def test_gzip_that_inflates_past_the_message_limit_is_refused(
    channel: grpc.Channel, store: Store
) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        channel.unary_unary(EXPORT_METHOD)(bytes(80 << 20), timeout=ANSWER_SECONDS)
    assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert_store_empty(store)


def test_readme_lists_every_request_limit() -> None:
    from pathlib import Path

    from devfiler.collector import limits

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    values = [v for k, v in vars(limits).items() if k.isupper() and isinstance(v, int)]
    assert len(values) >= 20
    missing = [v for v in values if f"{v:,}" not in readme]
    assert not missing
