"""Mutated requests for the fuzz test: a seed corpus and byte-level changes, reproducible.

The seeds are agent-shaped requests (the server tests' request, the
decoder's request, a batch of the synthetic agent); the changes are what
broken encoders and hostile senders do to bytes: flipped bits, lost, repeated
or inserted spans, truncation, long varints, splices of two requests.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from devfiler.loadgen.params import LoadParams
from devfiler.loadgen.requests import generate
from tests.collector import decoder_request
from tests.collector.sent_requests import BASE_NS, agent_request


def seed_corpus() -> list[bytes]:
    params = LoadParams(start_ns=BASE_NS, seed=7, rate=200.0, duration_s=5.0, processes=3)
    return [
        agent_request(BASE_NS).SerializeToString(),
        decoder_request.build().SerializeToString(),
        *(batch.request.SerializeToString() for batch in generate(params)),
    ]


def _span(rng: random.Random, data: bytes) -> tuple[int, int]:
    start = rng.randrange(len(data))
    return start, min(len(data), start + rng.randint(1, 64))


def _flip(rng: random.Random, data: bytes, _: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _delete(rng: random.Random, data: bytes, _: bytes) -> bytes:
    start, end = _span(rng, data)
    return data[:start] + data[end:]


def _repeat(rng: random.Random, data: bytes, _: bytes) -> bytes:
    start, end = _span(rng, data)
    return data[:end] + data[start:end] * rng.randint(1, 50) + data[end:]


def _insert(rng: random.Random, data: bytes, _: bytes) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + rng.randbytes(rng.randint(1, 32)) + data[at:]


def _truncate(rng: random.Random, data: bytes, _: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def _long_varint(rng: random.Random, data: bytes, _: bytes) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + b"\xff" * rng.randint(1, 12) + data[at + 1 :]


def _splice(rng: random.Random, data: bytes, other: bytes) -> bytes:
    return data[: rng.randrange(len(data))] + other[rng.randrange(len(other)) :]


_MUTATIONS: list[Callable[[random.Random, bytes, bytes], bytes]] = [
    _flip,
    _delete,
    _repeat,
    _insert,
    _truncate,
    _long_varint,
    _splice,
]


def mutated_requests(seed: int) -> Iterator[bytes]:
    """An endless, reproducible stream of mutated seed requests (1 to 3 mutations each)."""
    rng = random.Random(seed)
    corpus = seed_corpus()
    while True:
        data = rng.choice(corpus)
        for _ in range(rng.randint(1, 3)):
            data = rng.choice(_MUTATIONS)(rng, data or b"\x00", rng.choice(corpus))
        yield data
