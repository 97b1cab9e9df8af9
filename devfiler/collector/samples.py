"""The samples of one profile, decoded column-wise into events.

Samples are the bulk of a request: the agent sends one Sample per distinct
(stack, thread) with every occurrence's timestamp, so nearly every Sample is
new. They are read as raw messages (collector/shadow.py) and decoded for all
samples at once (collector/wire.py); Python work is per distinct attribute
list and per distinct stack, never per sample.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.collector.errors import OLD_AGENT_HINT, InvalidRequestError
from devfiler.collector.locations import check_repeated
from devfiler.collector.wire import (
    FIXED64,
    LEN,
    VARINT,
    Messages,
    Repeated,
    check_wire_types,
    last_varint,
    repeated_fixed64,
    repeated_varints,
)
from devfiler.collector.wire import (
    scan as scan_fields,
)
from devfiler.model import SampleKind

_INT64_MAX = (1 << 63) - 1
_SAMPLE_WIRE_TYPES = {
    1: (VARINT,),
    2: (VARINT, LEN),
    3: (VARINT,),
    4: (VARINT, LEN),
    5: (FIXED64, LEN),
}


@dataclass(frozen=True, slots=True)
class ProfileEvents:
    """One row per event, with per-event trace (= stack) and context indices of the request."""

    kind: SampleKind
    timestamps: npt.NDArray[np.int64]
    trace_index: npt.NDArray[np.int64]
    context_index: npt.NDArray[np.int64]
    weights: npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class SampleTables:
    """What the samples refer to: sizes to check against, and lookups for distinct keys."""

    stacks: int
    attributes: int
    links: int
    context_of_attributes: Callable[[tuple[int, ...]], int]


def _attribute_rows(
    owner: npt.NDArray[np.int64], values: npt.NDArray[np.int64], samples: int, table_size: int
) -> tuple[list[tuple[int, ...]], npt.NDArray[np.int64]]:
    """Distinct attribute lists and, per sample, which one it has.

    A list of indices below `table_size` is one number in base table_size + 1,
    exact while it fits in 63 bits (lists are a handful of entries long);
    longer lists fall back to sorting rows.
    """
    counts = np.bincount(owner, minlength=samples)
    width = int(counts.max()) if samples and len(owner) else 0
    matrix = np.full((samples, max(width, 1)), -1, dtype=np.int64)
    if len(owner):
        first = np.r_[0, np.cumsum(counts)[:-1]]
        matrix[owner, np.arange(len(owner)) - first[owner]] = values
    base = table_size + 2
    if base ** matrix.shape[1] < 1 << 62:
        weights = base ** np.arange(matrix.shape[1], dtype=np.int64)
        keys = (matrix + 1) @ weights
        _, first_of_key, inverse = np.unique(keys, return_index=True, return_inverse=True)
        rows = matrix[first_of_key]
    else:
        rows, inverse = np.unique(matrix, axis=0, return_inverse=True)
    distinct = [tuple(v for v in row if v >= 0) for row in rows.tolist()]
    return distinct, inverse.reshape(-1)


def decode_samples(
    raw_samples: Sequence[bytes],
    kind: SampleKind,
    tables: SampleTables,
    received_ns: int,
    where: str,
) -> ProfileEvents:
    """Validate every sample of a profile and turn it into event columns."""
    samples = Messages.of(raw_samples)
    n = len(samples)
    what = f"{where}.samples"
    fields = scan_fields(samples, what)
    old = fields.pick(3, LEN)
    if old.any():
        first = int(fields.message[old][0])
        raise InvalidRequestError(f"{what}[{first}] has field 3 as a packed list: {OLD_AGENT_HINT}")
    check_wire_types(fields, _SAMPLE_WIRE_TYPES, what)

    stacks = last_varint(fields, 1, n)
    bad = (stacks < 0) | (stacks >= tables.stacks) if tables.stacks else np.ones(n, bool)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidRequestError(
            f"{what}[{i}].stack_index = {int(stacks[i])} is out of range: "
            f"stack_table has {tables.stacks} entries"
        )
    links = last_varint(fields, 3, n)
    bad = (links < 0) | (links >= max(tables.links, 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidRequestError(
            f"{what}[{i}].link_index = {int(links[i])} is out of range: "
            f"link_table has {tables.links} entries"
        )
    attributes = repeated_varints(samples, fields, 2, what)
    attribute_values = attributes.signed()
    check_repeated(
        attributes.owner,
        attribute_values,
        tables.attributes,
        what + "[{}].attribute_indices[{}]",
        "attribute_table",
    )
    stamps = repeated_fixed64(samples, fields, 5, what)
    if len(stamps.value) and int(stamps.value.max()) > _INT64_MAX:
        raise InvalidRequestError(
            f"{where}: timestamp {int(stamps.value.max())} ns is beyond the year 2262"
        )
    values = repeated_varints(samples, fields, 4, what)

    rows, row_of_sample = _attribute_rows(attributes.owner, attribute_values, n, tables.attributes)
    context_of_row = np.array([tables.context_of_attributes(r) for r in rows], dtype=np.int64)
    trace_of_sample = stacks  # trace i of the request is stack i (collector/locations.py)
    context_of_sample = context_of_row[row_of_sample]

    stamp_counts = stamps.counts(n)
    value_counts = values.counts(n)
    no_stamps = np.flatnonzero(stamp_counts == 0)
    owners = np.concatenate([stamps.owner, no_stamps])
    timestamps = np.concatenate(
        [stamps.value.astype(np.int64), np.full(len(no_stamps), received_ns, np.int64)]
    )
    weights = _weights(kind, values, value_counts, stamps.owner, stamp_counts, no_stamps, what)
    return ProfileEvents(
        kind, timestamps, trace_of_sample[owners], context_of_sample[owners], weights
    )


def _weights(
    kind: SampleKind,
    values: Repeated,
    value_counts: npt.NDArray[np.int64],
    stamp_owner: npt.NDArray[np.int64],
    stamp_counts: npt.NDArray[np.int64],
    no_stamps: npt.NDArray[np.int64],
    what: str,
) -> npt.NDArray[np.int64]:
    """Weight per event: 1 per timestamp for counted kinds, values as nanoseconds off-CPU."""
    sums = np.bincount(values.owner, weights=values.signed(), minlength=len(value_counts))
    sums = sums.astype(np.int64)
    if kind is not SampleKind.OFF_CPU:
        several = no_stamps[value_counts[no_stamps] > 1]
        if len(several):
            i = int(several[0])
            raise InvalidRequestError(
                f"{what}[{i}] has {int(value_counts[i])} values and no timestamps"
            )
        tail = np.where(value_counts[no_stamps] == 1, sums[no_stamps], 1)
        return np.concatenate([np.ones(len(stamp_owner), np.int64), tail])
    aligned = value_counts == stamp_counts
    per_stamp = np.empty(len(stamp_owner), dtype=np.int64)
    stamp_aligned = aligned[stamp_owner]
    per_stamp[stamp_aligned] = values.signed()[aligned[values.owner]]
    for sample in np.unique(stamp_owner[~stamp_aligned]).tolist():
        share, rest = divmod(int(sums[sample]), int(stamp_counts[sample]))
        slots = np.flatnonzero(stamp_owner == sample)
        per_stamp[slots] = share
        per_stamp[slots[0]] += rest
    return np.concatenate([per_stamp, sums[no_stamps]])
