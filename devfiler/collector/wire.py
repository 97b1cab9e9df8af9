"""Column-wise decoding of many small protobuf messages at once, with numpy.

A request holds tens of thousands of Sample, Stack and Location messages.
Reading them one Python object at a time costs far more than parsing the
request. Here a list of raw messages is concatenated into one buffer and
decoded field by field for all messages together: each round reads the next
field of every message that has one left, so the number of rounds is the
largest field count of any message, not the number of messages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from devfiler.collector import limits
from devfiler.collector.errors import InvalidRequestError, RequestLimitError
from devfiler.collector.limits import check_limit

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
_MAX_VARINT = 10
_PADDING = bytes(_MAX_VARINT)
"""After the last message, so that reading a varint never runs past the buffer."""

VARINT, FIXED64, LEN, FIXED32 = 0, 1, 2, 5

What = str | Callable[[int], str]
"""How errors name message i: a table name (`name[i]`) or a function of i."""


def name_of(what: What, index: int) -> str:
    return what(index) if callable(what) else f"{what}[{index}]"


@dataclass(frozen=True, slots=True)
class Messages:
    """Raw messages concatenated: message i is buffer[starts[i]:ends[i]]."""

    buffer: npt.NDArray[np.uint8]
    starts: I64
    ends: I64

    @classmethod
    def of(cls, raw: Sequence[bytes]) -> Messages:
        items = list(raw)  # a runtime's repeated field makes a new bytes object per access
        lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
        ends = np.cumsum(lengths)
        items.append(_PADDING)  # one copy of the bytes, padding included
        data = b"".join(items)
        return cls(np.frombuffer(data, dtype=np.uint8), ends - lengths, ends)

    def __len__(self) -> int:
        return len(self.starts)


@dataclass(frozen=True, slots=True)
class Fields:
    """Every field occurrence of every message, in wire order within a message.

    `value` holds varint and fixed values; LEN fields have their payload at
    buffer[start:start + length].
    """

    message: I64
    number: I64
    wire: I64
    value: U64
    start: I64
    length: I64
    order: I64
    """Round in which the field was read: orders occurrences within a message."""

    def pick(self, number: int, wire: int) -> npt.NDArray[np.bool_]:
        picked: npt.NDArray[np.bool_] = (self.number == number) & (self.wire == wire)
        return picked


def _varints(buffer: npt.NDArray[np.uint8], positions: I64) -> tuple[U64, I64]:
    """Varints starting at each position: (values, positions after them).

    Byte by byte, and only for the varints still going: most are one or two
    bytes long, so this touches little more than their bytes.
    """
    byte = buffer[positions]
    values = (byte & 0x7F).astype(np.uint64)
    size = np.ones(len(positions), dtype=np.int64)
    going = np.flatnonzero(byte >= 0x80)
    if not len(going):
        return values, positions + 1
    for k in range(1, _MAX_VARINT):
        if not len(going):
            break
        byte = buffer[positions[going] + k]
        values[going] |= (byte & 0x7F).astype(np.uint64) << np.uint64(7 * k)
        size[going] += 1
        going = going[byte >= 0x80]
    if len(going):
        raise InvalidRequestError("a varint is longer than 10 bytes")
    return values, positions + size


def _fixed(buffer: npt.NDArray[np.uint8], positions: I64, width: int) -> U64:
    window = buffer[positions[:, None] + np.arange(width)].astype(np.uint64)
    values: U64 = np.bitwise_or.reduce(
        window << (np.arange(width, dtype=np.uint64) * np.uint64(8)), axis=1
    )
    return values


def scan(messages: Messages, what: What, table: str = "") -> Fields:
    """Split every message into its fields; malformed encodings raise InvalidRequestError.

    One round per field of the longest message and memory per field
    occurrence: both are limited (collector/limits.py) before they are spent.
    A round reads the tags of the messages still going, then the varint that
    follows a varint or LEN tag (as nearly every field is) for all at once.
    """
    buffer = messages.buffer
    going = messages.starts < messages.ends
    active = np.flatnonzero(going)
    position, end = messages.starts[going], messages.ends[going]
    out: list[tuple[I64, I64, I64, U64, I64, I64]] = []
    total = 0
    while len(active):
        total += len(active)
        check_limit(total, limits.FIELDS, f"field occurrences in {table or what}")
        if len(out) == limits.FIELDS_PER_MESSAGE:
            raise RequestLimitError(
                f"{name_of(what, int(active[0]))} has more than {len(out):,} fields, "
                "devfiler's limit per message"
            )
        tags, at = _varints(buffer, position)
        number = (tags >> np.uint64(3)).astype(np.int64)
        wire = (tags & np.uint64(7)).astype(np.int64)
        is_len = wire == LEN
        plain = is_len | (wire == VARINT)
        if plain.all():
            value, after = _varints(buffer, at)
            bad = number == 0
        else:
            value, after, bad = _mixed_values(buffer, at, wire, plain)
            bad |= number == 0
        start, length = at, np.zeros(len(active), dtype=np.int64)
        if is_len.any():
            size = value[is_len]
            if (size > np.uint64(1 << 31)).any():
                first = int(active[is_len][np.flatnonzero(size > np.uint64(1 << 31))[0]])
                raise InvalidRequestError(f"{name_of(what, first)} has a field length out of range")
            start = np.where(is_len, after, at)
            length[is_len] = size.astype(np.int64)
            after = after + length
            value[is_len] = 0
        overrun = after > end
        if bad.any() or overrun.any():
            first = int(active[np.flatnonzero(bad | overrun)[0]])
            problem = "an invalid field tag" if bad.any() else "a field that runs past its end"
            raise InvalidRequestError(f"{name_of(what, first)} has {problem}")
        out.append((active, number, wire, value, start, length))
        more = after < end
        active, position, end = active[more], after[more], end[more]
    if not out:
        empty_i, empty_u = np.empty(0, np.int64), np.empty(0, np.uint64)
        return Fields(empty_i, empty_i, empty_i, empty_u, empty_i, empty_i, empty_i)
    message, number, wire, value, start, length = (
        np.concatenate(parts) for parts in zip(*out, strict=True)
    )
    order = np.repeat(np.arange(len(out), dtype=np.int64), [len(part[0]) for part in out])
    return Fields(message, number, wire, value, start, length, order)


def _one_pass_varints(messages: Messages) -> _SpanVarints | None:
    """Every varint of every message, or None when some message does not end on a varint's
    last byte or holds a varint longer than 10 bytes.

    Costs tens of bytes of memory per byte, as packed elements do in
    `repeated_varints`, whose count is checked past limits.FRAMES bytes: no
    more is read in one pass.
    """
    lengths = messages.ends - messages.starts
    if int(lengths.sum()) > limits.FRAMES:
        return None
    found = _span_varints(messages.buffer, messages.starts, lengths)
    ends = messages.ends[lengths > 0] - 1
    if len(found.overlong) or (messages.buffer[ends] >= 0x80).any():
        return None
    return found


def packed_only(messages: Messages, number: int) -> Repeated | None:
    """The elements of messages that hold nothing but field `number` once, packed (as every
    stack does), read in one pass; None for anything else (the caller then scans)."""
    found = _one_pass_varints(messages)
    if found is None:
        return None
    nonempty = np.flatnonzero(found.counts)
    head = (np.cumsum(found.counts) - found.counts)[nonempty]
    if (found.counts[nonempty] < 2).any() or (found.values[head] != number << 3 | LEN).any():
        return None
    payload = found.span_end[nonempty] - found.last[head + 1] - 1
    if (found.values[head + 1] != payload.astype(np.uint64)).any():
        return None
    element = np.ones(len(found.values), dtype=bool)
    element[head] = element[head + 1] = False
    owner = np.repeat(nonempty, found.counts[nonempty] - 2)
    return Repeated(owner, found.values[element])


def _mixed_values(
    buffer: npt.NDArray[np.uint8], at: I64, wire: I64, plain: npt.NDArray[np.bool_]
) -> tuple[U64, I64, npt.NDArray[np.bool_]]:
    """A round with fixed-width fields or bad wire types in it: (values, positions after
    them, which wire types are invalid)."""
    value = np.zeros(len(at), dtype=np.uint64)
    after = at.copy()
    if plain.any():
        value[plain], after[plain] = _varints(buffer, at[plain])
    valid = plain.copy()
    for kind, width in ((FIXED64, 8), (FIXED32, 4)):
        sel = wire == kind
        if sel.any():
            value[sel] = _fixed(buffer, at[sel], width)
            after[sel] = at[sel] + width
            valid |= sel
    return value, after, ~valid


def _spans(starts: I64, lengths: I64) -> I64:
    """Indices of every byte of every span, spans one after another."""
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, np.int64)
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return offsets + np.arange(total, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Repeated:
    """Elements of a repeated scalar field: owner message and value, in wire order."""

    owner: I64
    value: U64

    def counts(self, messages: int) -> I64:
        return np.bincount(self.owner, minlength=messages).astype(np.int64)

    def signed(self) -> I64:
        """int32/int64 fields: negative numbers are ten-byte varints."""
        return self.value.view(np.int64)


def packed_counts(messages: Messages, starts: I64, lengths: I64) -> I64:
    """Varints in each packed span (spans of one buffer, non-empty and disjoint): its bytes
    below 0x80, counted without an array per byte."""
    if not len(starts):
        return np.empty(0, np.int64)
    order = np.argsort(starts, kind="stable")
    bounds = np.empty(2 * len(starts), dtype=np.int64)
    bounds[0::2], bounds[1::2] = starts[order], (starts + lengths)[order]
    terminal = (messages.buffer < 0x80).view(np.uint8)
    sums = np.add.reduceat(terminal, bounds, dtype=np.uint32)[0::2].astype(np.int64)
    counts = np.empty(len(starts), dtype=np.int64)
    counts[order] = sums
    return counts


@dataclass(frozen=True, slots=True)
class _SpanVarints:
    """Every varint of byte spans that each end on a varint's last byte.

    Positions are in the spans' bytes laid one after another (`data`).
    """

    values: U64
    first: I64
    """Where each varint starts."""
    last: I64
    """Where each varint ends (its last byte)."""
    counts: I64
    """Varints in each span."""
    span_end: I64
    """Where each span ends (one past its last byte)."""
    overlong: I64
    """Varints longer than 10 bytes, which have no value."""


def _span_varints(buffer: npt.NDArray[np.uint8], starts: I64, lengths: I64) -> _SpanVarints:
    """Per varint, not per byte: its first byte, then further bytes only for the
    varints still going. Indices, tags and counts are mostly one or two bytes long."""
    contiguous = len(starts) and starts[0] == 0 and (starts[1:] == (starts + lengths)[:-1]).all()
    span_end = np.cumsum(lengths)
    data = buffer[: span_end[-1]] if contiguous else buffer[_spans(starts, lengths)]
    terminal = data < 0x80
    last = np.flatnonzero(terminal)
    first = np.empty_like(last)
    first[:1] = 0
    first[1:] = last[:-1] + 1
    size = last - first + 1
    values = (data[first] & 0x7F).astype(np.uint64)
    going = np.flatnonzero(size > 1)
    for k in range(1, _MAX_VARINT):
        if not len(going):
            break
        values[going] |= (data[first[going] + k] & 0x7F).astype(np.uint64) << np.uint64(7 * k)
        going = going[size[going] > k + 1]
    counts = np.diff(np.searchsorted(last, span_end), prepend=0)
    overlong = np.flatnonzero(size > _MAX_VARINT) if len(going) else going
    return _SpanVarints(values, first, last, counts, span_end, overlong)


def _packed_varints(
    buffer: npt.NDArray[np.uint8], starts: I64, lengths: I64
) -> tuple[U64, I64, I64]:
    """The varints of packed spans that each end on a varint's last byte: (values, span of
    each value, the varints longer than 10 bytes, which have no value)."""
    found = _span_varints(buffer, starts, lengths)
    segment = np.repeat(np.arange(len(lengths)), found.counts)
    return found.values, segment, found.overlong


def _short_varint_spans(buffer: npt.NDArray[np.uint8], starts: I64, lengths: I64) -> U64 | None:
    """The values of packed spans (each ending on a varint's last byte) that each hold one
    varint of one or two bytes, as the agent's location frame types do; None otherwise."""
    if not len(lengths) or lengths.max() > 2:
        return None
    first = buffer[starts]
    two = lengths == 2
    if ((first >= 0x80) != two).any():
        return None
    values = (first & 0x7F).astype(np.uint64)
    values[two] |= buffer[starts[two] + 1].astype(np.uint64) << np.uint64(7)
    return values


def repeated_varints(
    messages: Messages, fields: Fields, number: int, what: What, limit: tuple[int, str] = (0, "")
) -> Repeated:
    """A repeated varint field, packed or not (both are valid on the wire).

    With `limit` (most elements, what they are), a field with more elements
    is refused before they are decoded: a packed element can be one byte,
    and decoding costs tens of bytes of memory per byte.
    """
    packed = fields.pick(number, LEN) & (fields.length > 0)
    single = fields.pick(number, VARINT)
    seg_start, seg_len = fields.start[packed], fields.length[packed]
    most, elements = limit
    singles = int(np.count_nonzero(single))
    if not singles and not len(seg_len):  # an on-CPU sample's values, say
        return Repeated(np.empty(0, np.int64), np.empty(0, np.uint64))
    if most and int(seg_len.sum()) + singles > most:
        count = int(packed_counts(messages, seg_start, seg_len).sum()) + singles
        check_limit(count, most, elements)
    if len(seg_len):
        last = seg_start + seg_len - 1
        if (messages.buffer[last] >= 0x80).any():
            first = int(fields.message[packed][np.flatnonzero(messages.buffer[last] >= 0x80)[0]])
            raise InvalidRequestError(
                f"{name_of(what, first)} has a packed field {number} cut mid-varint"
            )
    short = _short_varint_spans(messages.buffer, seg_start, seg_len)
    if short is not None:
        packed_values, segment_of_varint = short, np.arange(len(seg_len))
    else:
        packed_values, segment_of_varint, overlong = _packed_varints(
            messages.buffer, seg_start, seg_len
        )
        if len(overlong):
            segment = int(segment_of_varint[overlong[0]])
            raise InvalidRequestError(
                f"{name_of(what, int(fields.message[packed][segment]))} has a packed varint "
                f"of field {number} that is too long"
            )
    packed_owner = fields.message[packed][segment_of_varint]
    packed_order = fields.order[packed][segment_of_varint]
    owner = np.concatenate([packed_owner, fields.message[single]])
    order = np.concatenate([packed_order, fields.order[single]])
    values = np.concatenate([packed_values, fields.value[single]])
    return _in_wire_order(owner, order, values)


def position_in_owner(owner: I64, index: int) -> int:
    """Index of element `index` within its owner's run (owners sorted), for messages."""
    return index - int(np.searchsorted(owner, owner[index]))


def _in_wire_order(owner: I64, order: I64, values: U64) -> Repeated:
    """Elements sorted by owner, then by the round their field was read in, stably.

    The usual case (one packed field per message, or fields read in one
    round) is already in that order, which a linear check finds.
    """
    step = np.diff(owner)
    if (step < 0).any() or (np.diff(order)[step == 0] < 0).any():
        arrange = np.lexsort((np.arange(len(owner)), order, owner))
        owner, values = owner[arrange], values[arrange]
    return Repeated(owner, values.astype(np.uint64, copy=False))


def repeated_fixed64(messages: Messages, fields: Fields, number: int, what: What) -> Repeated:
    """A repeated fixed64 field, packed or not."""
    packed = fields.pick(number, LEN)
    single = fields.pick(number, FIXED64)
    seg_len = fields.length[packed]
    if (seg_len % 8).any():
        first = int(fields.message[packed][np.flatnonzero(seg_len % 8)[0]])
        raise InvalidRequestError(
            f"{name_of(what, first)}: packed fixed64 field {number} is not a multiple of 8 bytes"
        )
    data = messages.buffer[_spans(fields.start[packed], seg_len)]
    packed_values = data.view("<u8").astype(np.uint64) if len(data) else np.empty(0, np.uint64)
    per_segment = seg_len // 8
    packed_owner = np.repeat(fields.message[packed], per_segment)
    packed_order = np.repeat(fields.order[packed], per_segment)
    owner = np.concatenate([packed_owner, fields.message[single]])
    order = np.concatenate([packed_order, fields.order[single]])
    values = np.concatenate([packed_values, fields.value[single]])
    return _in_wire_order(owner, order, values)


def last_varint(fields: Fields, number: int, messages: int, default: int = 0) -> I64:
    """A singular varint field per message (the last occurrence wins, as in protobuf)."""
    result = np.full(messages, default, dtype=np.int64)
    sel = fields.pick(number, VARINT)
    result[fields.message[sel]] = fields.value[sel].view(np.int64)
    return result


def wrong_wire_types(fields: Fields, allowed: dict[int, tuple[int, ...]]) -> npt.NDArray[np.bool_]:
    """Field occurrences whose wire type their declaration does not allow.

    One table lookup for all occurrences: a bit per wire type of each known
    field number (unknown numbers allow every wire type), so the cost does not
    grow with the number of declared fields.
    """
    size = max(allowed, default=0) + 2
    masks = np.full(size, 0xFF, dtype=np.uint8)
    for number, wires in allowed.items():
        masks[number] = sum(1 << wire for wire in wires)
    masks[-1] = 0xFF
    mask = masks[np.minimum(fields.number, size - 1)]
    wrong: npt.NDArray[np.bool_] = (mask >> fields.wire.astype(np.uint8)) & 1 == 0
    return wrong


def wire_type_error(fields: Fields, index: int, what: What) -> InvalidRequestError:
    return InvalidRequestError(
        f"{name_of(what, int(fields.message[index]))}: field {int(fields.number[index])} has "
        f"wire type {int(fields.wire[index])}, which its type does not allow"
    )


def check_wire_types(fields: Fields, allowed: dict[int, tuple[int, ...]], what: What) -> None:
    """Known fields must come with a wire type their declaration allows."""
    wrong = wrong_wire_types(fields, allowed)
    if wrong.any():
        raise wire_type_error(fields, int(np.flatnonzero(wrong)[0]), what)
