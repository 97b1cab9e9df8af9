"""The samples of every profile of a request, decoded column-wise into events.

Samples are the bulk of a request: the agent sends one Sample per distinct
(stack, thread) with every occurrence's timestamp, so nearly every Sample is
new. They are read as raw messages (collector/shadow.py) and decoded for all
profiles at once (collector/wire.py); Python work is per distinct attribute
list and per rejected profile, never per sample. A sample that breaks a rule
rejects its profile, with a message naming the first such sample.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.collector import limits
from devfiler.collector.errors import OLD_AGENT_HINT
from devfiler.collector.limits import check_each, check_limit
from devfiler.collector.wire import (
    FIXED64,
    LEN,
    VARINT,
    Messages,
    Repeated,
    last_varint,
    position_in_owner,
    repeated_fixed64,
    repeated_varints,
    scan,
    wire_type_error,
    wrong_wire_types,
)
from devfiler.distinct import small_unique
from devfiler.model import EventContext, SampleKind
from devfiler.storage.batch import EventRows

I64 = npt.NDArray[np.int64]
_INT64_MAX = (1 << 63) - 1
_SAMPLE_WIRE_TYPES = {
    1: (VARINT,),
    2: (VARINT, LEN),
    3: (VARINT,),
    4: (VARINT, LEN),
    5: (FIXED64, LEN),
}


@dataclass(frozen=True, slots=True)
class ProfileSamples:
    """One profile's raw samples and what applies to all of them."""

    kind: SampleKind
    base: EventContext
    """Resource-level context (process, container, service) of the profile."""
    where: str
    raw: Sequence[bytes]


@dataclass(frozen=True, slots=True)
class SampleTables:
    """Sizes of the tables samples refer to, and the request's context interning."""

    stacks: int
    attributes: int
    links: int
    context_of: Callable[[int, tuple[int, ...]], int]
    """The request's context number of a sample of profile i with these attribute indices."""


@dataclass(frozen=True, slots=True)
class DecodedSamples:
    events: list[EventRows]
    """One EventRows per sample kind; trace i of the request is stack i."""
    errors: dict[int, str]
    """Rejected profiles (index into the profiles given) and why."""


class _Problems:
    """The first problem of each profile; a profile with one is rejected whole."""

    def __init__(self, profile_of: I64, profiles: int) -> None:
        self.profile_of = profile_of
        self.errors: dict[int, str] = {}
        self.rejected = np.zeros(profiles, dtype=bool)

    def flag(self, samples: I64, message: Callable[[int], str]) -> None:
        if not len(samples):
            return
        hit, first = np.unique(self.profile_of[samples], return_index=True)
        for profile, at in zip(hit.tolist(), first.tolist(), strict=True):
            if profile not in self.errors:
                self.errors[profile] = message(int(samples[at]))
                self.rejected[profile] = True


def _attribute_rows(
    owner: I64, values: I64, group: I64, table_size: int
) -> tuple[list[tuple[int, tuple[int, ...]]], I64]:
    """Distinct (group, attribute list) pairs and, per sample, which one it has.

    Samples are taken by list length, so each length's rows form a dense
    matrix and the work stays linear in the indices however the lengths
    vary. A row of indices below `table_size` is one number in base
    table_size + 2 while that fits in 62 bits; longer rows are sorted as
    rows. Out-of-range indices (their profile is rejected) all read as
    `table_size`, which no valid row holds.
    """
    samples = len(group)
    counts = np.bincount(owner, minlength=samples)
    starts = np.cumsum(counts) - counts
    values = np.where((values >= 0) & (values < table_size), values, table_size)
    by_length = np.argsort(counts, kind="stable")
    bounds = np.flatnonzero(np.diff(counts[by_length])) + 1
    base = max(table_size + 1, int(group.max()) + 1 if samples else 0) + 1
    distinct: list[tuple[int, tuple[int, ...]]] = []
    row_of_sample = np.empty(samples, dtype=np.int64)
    for members in np.split(by_length, bounds) if samples else []:
        width = int(counts[members[0]])
        matrix = np.empty((len(members), width + 1), dtype=np.int64)
        matrix[:, 0] = group[members]
        matrix[:, 1:] = values[starts[members][:, None] + np.arange(width)]
        if base ** matrix.shape[1] < 1 << 62:
            weights = base ** np.arange(matrix.shape[1], dtype=np.int64)
            _, first_of_key, inverse = np.unique(
                matrix @ weights, return_index=True, return_inverse=True
            )
            rows = matrix[first_of_key]
        else:
            rows, inverse = np.unique(matrix, axis=0, return_inverse=True)
        row_of_sample[members] = len(distinct) + inverse.reshape(-1)
        distinct.extend((row[0], tuple(row[1:])) for row in rows.tolist())
    return distinct, row_of_sample


def decode_samples(
    profiles: list[ProfileSamples], tables: SampleTables, received_ns: int
) -> DecodedSamples:
    """Validate every sample of every profile and turn the good profiles into events."""
    raw: list[bytes] = []
    for profile in profiles:
        raw.extend(profile.raw)
    counts = np.array([len(p.raw) for p in profiles], dtype=np.int64)
    n = len(raw)
    profile_of = np.repeat(np.arange(len(profiles)), counts)
    local = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)

    def name(i: int) -> str:
        return f"{profiles[profile_of[i]].where}.samples[{local[i]}]"

    messages = Messages.of(raw)
    fields = scan(messages, name, "samples")
    problems = _Problems(profile_of, len(profiles))
    old = fields.pick(3, LEN)
    problems.flag(
        fields.message[old], lambda i: f"{name(i)} has field 3 as a packed list: {OLD_AGENT_HINT}"
    )
    wrong = np.flatnonzero(wrong_wire_types(fields, _SAMPLE_WIRE_TYPES) & ~old)
    by_sample = dict(zip(fields.message[wrong].tolist(), wrong.tolist(), strict=True))
    problems.flag(fields.message[wrong], lambda i: str(wire_type_error(fields, by_sample[i], name)))

    stacks = last_varint(fields, 1, n)
    problems.flag(
        np.flatnonzero((stacks < 0) | (stacks >= tables.stacks)),
        lambda i: (
            f"{name(i)}.stack_index = {int(stacks[i])} is out of range: "
            f"stack_table has {tables.stacks} entries"
        ),
    )
    links = last_varint(fields, 3, n)
    problems.flag(
        np.flatnonzero((links < 0) | (links >= max(tables.links, 1))),
        lambda i: (
            f"{name(i)}.link_index = {int(links[i])} is out of range: "
            f"link_table has {tables.links} entries"
        ),
    )
    attributes = repeated_varints(
        messages,
        fields,
        2,
        name,
        (limits.ALL_ATTRIBUTE_INDICES, "attribute indices of all samples"),
    )
    attribute_counts = attributes.counts(n)
    if n and int(attribute_counts.max()) > limits.ATTRIBUTE_INDICES:
        widest = int(attribute_counts.argmax())
        check_each(
            int(attribute_counts[widest]),
            limits.ATTRIBUTE_INDICES,
            "attribute indices",
            name(widest),
        )
    attribute_values = attributes.signed()
    bad = np.flatnonzero((attribute_values < 0) | (attribute_values >= max(tables.attributes, 1)))
    bad_at = dict(zip(attributes.owner[bad][::-1].tolist(), bad[::-1].tolist(), strict=True))
    problems.flag(
        attributes.owner[bad],
        lambda i: (
            f"{name(i)}.attribute_indices[{position_in_owner(attributes.owner, bad_at[i])}] = "
            f"{int(attribute_values[bad_at[i]])} is out of range: "
            f"attribute_table has {tables.attributes} entries"
        ),
    )
    packed_stamps = int(fields.length[fields.pick(5, LEN)].sum()) // 8
    check_limit(
        packed_stamps + int(np.count_nonzero(fields.pick(5, FIXED64))),
        limits.EVENTS,
        "timestamps",
    )
    stamps = repeated_fixed64(messages, fields, 5, name)
    late = np.flatnonzero(stamps.value > np.uint64(_INT64_MAX))
    problems.flag(
        stamps.owner[late],
        lambda i: (
            f"{profiles[profile_of[i]].where}: timestamp "
            f"{int(stamps.value[stamps.owner == i].max())} ns is beyond the year 2262"
        ),
    )
    values = repeated_varints(messages, fields, 4, name, (limits.EVENTS, "values of all samples"))
    stamp_counts = stamps.counts(n)
    check_limit(
        len(stamps.owner) + int(np.count_nonzero(stamp_counts == 0)), limits.EVENTS, "events"
    )
    value_counts = values.counts(n)
    weight_values = values.signed()
    out_of_range = np.flatnonzero((weight_values < 0) | (weight_values > limits.EVENT_WEIGHT))
    first_bad_value = dict(
        zip(values.owner[out_of_range][::-1].tolist(), out_of_range[::-1].tolist(), strict=True)
    )
    problems.flag(
        values.owner[out_of_range],
        lambda i: (
            f"{name(i)}.values[{position_in_owner(values.owner, first_bad_value[i])}] = "
            f"{int(weight_values[first_bad_value[i]])} is not a weight: counts and nanoseconds "
            f"run from 0 to {limits.EVENT_WEIGHT:,}"
        ),
    )
    sums = _sums(values, n)
    heavy = np.flatnonzero((stamp_counts == 0) & (sums > limits.EVENT_WEIGHT))
    problems.flag(
        heavy,
        lambda i: (
            f"{name(i)} has no timestamps and values that add up to {int(sums[i]):,}, "
            f"more than the {limits.EVENT_WEIGHT:,} one event may weigh"
        ),
    )
    off_cpu = np.array([p.kind is SampleKind.OFF_CPU for p in profiles], dtype=bool)[profile_of]
    problems.flag(
        np.flatnonzero((stamp_counts == 0) & (value_counts > 1) & ~off_cpu),
        lambda i: f"{name(i)} has {int(value_counts[i])} values and no timestamps",
    )

    keep = ~problems.rejected[profile_of]
    rows, row_of_sample = _attribute_rows(
        attributes.owner, attribute_values, profile_of, tables.attributes
    )
    used_rows, _ = small_unique(row_of_sample[keep], len(rows))
    context_of_row = np.zeros(len(rows), dtype=np.int64)
    for row in used_rows.tolist():
        profile, attrs = rows[row]
        context_of_row[row] = tables.context_of(profile, attrs)
    context_of_sample = context_of_row[row_of_sample]

    kept_stamps = keep[stamps.owner]
    no_stamps = np.flatnonzero((stamp_counts == 0) & keep)
    owners = np.concatenate([stamps.owner[kept_stamps], no_stamps])
    timestamps = np.concatenate(
        [stamps.value[kept_stamps].astype(np.int64), np.full(len(no_stamps), received_ns)]
    )
    weights = np.concatenate(
        [
            _stamp_weights(values, value_counts, sums, stamps, stamp_counts, off_cpu)[kept_stamps],
            np.where(value_counts > 0, sums, 1)[no_stamps],
        ]
    )
    kind_of_event = np.array([int(p.kind) for p in profiles], dtype=np.uint8)[profile_of][owners]
    events = []
    for kind_code in np.unique(kind_of_event).tolist():
        pick = kind_of_event == kind_code
        total = float(weights[pick].sum(dtype=np.float64))
        check_limit(
            int(total),
            limits.REQUEST_WEIGHT,
            f"weight of the {SampleKind(kind_code).cli_name} events",
        )
        events.append(
            EventRows(
                SampleKind(kind_code),
                timestamps[pick],
                stacks[owners[pick]].astype(np.uint32),
                context_of_sample[owners[pick]].astype(np.uint32),
                weights[pick],
            )
        )
    return DecodedSamples(events, problems.errors)


def _sums(values: Repeated, samples: int) -> I64:
    """Each sample's values added up exactly; a sum past int64 (only possible with values
    beyond the per-event limit, which reject the profile) reads as that limit plus one."""
    sums = np.zeros(samples, dtype=np.int64)
    if not len(values.owner):
        return sums
    owners, starts = np.unique(values.owner, return_index=True)
    clipped = np.clip(values.signed(), 0, limits.EVENT_WEIGHT + 1)
    sums[owners] = np.minimum(np.add.reduceat(clipped, starts), limits.EVENT_WEIGHT + 1)
    return sums


def _stamp_weights(
    values: Repeated,
    value_counts: I64,
    sums: I64,
    stamps: Repeated,
    stamp_counts: I64,
    off_cpu: npt.NDArray[np.bool_],
) -> I64:
    """Weight per timestamp: 1 for counted kinds; off-CPU, value i is timestamp i's nanoseconds.

    An off-CPU sample whose values do not line up with its timestamps has its
    total shared out evenly (the remainder on the first).
    """
    weights = np.ones(len(stamps.owner), dtype=np.int64)
    if not off_cpu.any():
        return weights
    aligned = off_cpu & (value_counts == stamp_counts)
    weights[aligned[stamps.owner]] = values.signed()[aligned[values.owner]]
    uneven = (off_cpu & ~aligned & (stamp_counts > 0))[stamps.owner]
    if uneven.any():
        divisor = np.maximum(stamp_counts, 1)
        share, rest = sums // divisor, sums % divisor
        weights[uneven] = share[stamps.owner[uneven]]
        first_slot = np.cumsum(stamp_counts) - stamp_counts
        firsts = first_slot[np.unique(stamps.owner[uneven])]
        weights[firsts] += rest[stamps.owner[firsts]]
    return weights
