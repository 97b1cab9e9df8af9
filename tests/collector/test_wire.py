"""Column-wise decoding agrees with the protobuf runtime, and refuses broken encodings."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest
from opentelemetry.proto.profiles.v1development.profiles_pb2 import Sample, Stack

from devfiler.collector.errors import InvalidRequestError
from devfiler.collector.wire import (
    Messages,
    last_varint,
    packed_only,
    repeated_fixed64,
    repeated_varints,
    scan,
)


def _random_samples(seed: int, count: int) -> list[Sample]:
    rng = random.Random(seed)
    samples = []
    for _ in range(count):
        samples.append(
            Sample(
                stack_index=rng.choice([0, 1, 127, 128, 300, 2**31 - 1, -1]),
                attribute_indices=[
                    rng.choice([0, 5, 200, 70000, -3]) for _ in range(rng.randrange(5))
                ],
                link_index=rng.randrange(3),
                values=[rng.randrange(-(2**40), 2**40) for _ in range(rng.randrange(3))],
                timestamps_unix_nano=[rng.randrange(2**64) for _ in range(rng.randrange(4))],
            )
        )
    return samples


def test_matches_the_protobuf_runtime() -> None:
    samples = _random_samples(7, 500)
    messages = Messages.of([s.SerializeToString() for s in samples])
    fields = scan(messages, "samples")
    stacks = last_varint(fields, 1, len(samples))
    links = last_varint(fields, 3, len(samples))
    attrs = repeated_varints(messages, fields, 2, "samples")
    values = repeated_varints(messages, fields, 4, "samples")
    stamps = repeated_fixed64(messages, fields, 5, "samples")
    for i, sample in enumerate(samples):
        assert stacks[i] == sample.stack_index
        assert links[i] == sample.link_index
        assert attrs.signed()[attrs.owner == i].tolist() == list(sample.attribute_indices)
        assert values.signed()[values.owner == i].tolist() == list(sample.values)
        assert stamps.value[stamps.owner == i].tolist() == list(sample.timestamps_unix_nano)


def test_unpacked_repeated_fields_keep_wire_order() -> None:
    # field 2 as three separate varints, then a packed run: 1, 2, 3, 4, 5
    raw = bytes([0x10, 1, 0x10, 2, 0x10, 3, 0x12, 2, 4, 5])
    raw += bytes([0x29]) + (9).to_bytes(8, "little")  # field 5 as one fixed64
    messages = Messages.of([raw])
    fields = scan(messages, "samples")
    assert repeated_varints(messages, fields, 2, "samples").signed().tolist() == [1, 2, 3, 4, 5]
    assert repeated_fixed64(messages, fields, 5, "samples").value.tolist() == [9]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (bytes([0x08]), "samples[0] has a field that runs past its end"),
        (bytes([0x12, 5, 1]), "samples[0] has a field that runs past its end"),
        (bytes([0x0B, 0]), "samples[0] has an invalid field tag"),
        (bytes([0x08]) + bytes([0xFF] * 11), "a varint is longer than 10 bytes"),
        (bytes([0x2A, 3, 1, 2, 3]), "packed fixed64 field 5 is not a multiple of 8 bytes"),
        (bytes([0x12, 1, 0x80]), "has a packed field 2 cut mid-varint"),
    ],
)
def test_broken_encodings_are_refused(raw: bytes, message: str) -> None:
    messages = Messages.of([raw])
    with pytest.raises(InvalidRequestError, match=re.escape(message)):
        fields = scan(messages, "samples")
        repeated_varints(messages, fields, 2, "samples")
        repeated_fixed64(messages, fields, 5, "samples")


def test_no_messages() -> None:
    messages = Messages.of([])
    fields = scan(messages, "samples")
    assert len(fields.message) == 0
    assert repeated_varints(messages, fields, 2, "samples").owner.tolist() == []
    assert np.array_equal(last_varint(fields, 1, 0), np.empty(0, np.int64))


def _stack(*indices: int) -> bytes:
    return Stack(location_indices=list(indices)).SerializeToString()


def test_packed_only_matches_the_scan() -> None:
    rng = random.Random(3)
    raw = [_stack()]  # the placeholder: no bytes at all
    raw += [
        _stack(*(rng.choice([0, 1, 127, 128, 16_383, 16_384, 2**31 - 1, -1]) for _ in range(n)))
        for n in [rng.randrange(40) for _ in range(300)]
    ]
    raw += [bytes([0x0A, 0x00]), bytes([0x0A, 0x82, 0x00, 5, 6])]  # empty; a two-byte length
    messages = Messages.of(raw)
    fast = packed_only(messages, 1)
    plain = repeated_varints(messages, scan(messages, "stack_table"), 1, "stack_table")
    assert fast is not None
    assert fast.owner.tolist() == plain.owner.tolist()
    assert fast.value.tolist() == plain.value.tolist()
    sent = Stack.FromString(raw[2]).location_indices
    assert fast.signed()[fast.owner == 2].tolist() == list(sent)


@pytest.mark.parametrize(
    "other",
    [
        bytes([0x08, 5]),  # the field unpacked
        bytes([0x0A, 1, 5, 0x0A, 1, 6]),  # packed twice
        bytes([0x0A, 1, 5, 0x10, 1]),  # an unknown field after it
        bytes([0x12, 1, 5]),  # another field
        bytes([0x0A, 2, 5]),  # its length runs past the message
        bytes([0x0A, 1, 0x85]),  # cut mid-varint
    ],
)
def test_packed_only_leaves_anything_else_to_the_scan(other: bytes) -> None:
    assert packed_only(Messages.of([_stack(1, 2), other]), 1) is None


@pytest.mark.parametrize(
    "lists",
    [
        [[0], [1], [127], [128], [300], [16_383]],  # one varint of one or two bytes each
        [[5], [5, 6], [128]],  # two one-byte varints in two bytes
        [[1], [16_384]],  # a three-byte varint
        [[7], [1, 2, 3]],
    ],
)
def test_short_packed_lists_read_as_the_runtime_does(lists: list[list[int]]) -> None:
    raw = [Stack(location_indices=indices).SerializeToString() for indices in lists]
    messages = Messages.of(raw)
    read = repeated_varints(messages, scan(messages, "stack_table"), 1, "stack_table")
    assert [read.signed()[read.owner == i].tolist() for i in range(len(lists))] == lists
