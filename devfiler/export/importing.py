"""`devfiler import` and the window's "Open profile...": profile files into the store.

The format is told by content, never by name: gzip is unpacked first; then
collapsed stacks text, a pprof Profile (it has a string table, field 6) or
an OTLP ExportProfilesServiceRequest (only fields 1 and 2, what the agent
sends and the gRPC tab saves). Every file becomes OTLP requests that the
collector's decoder validates; a file is stored only when all of it is
valid, so a bad file is refused whole and nothing of it is stored.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf import empty_pb2
from google.protobuf.message import DecodeError
from google.protobuf.unknown_fields import UnknownFieldSet

from devfiler.collector.decode import DecodeResult, decode_request
from devfiler.collector.errors import InvalidRequestError
from devfiler.collector.frame_cache import FrameCache
from devfiler.export.collapsed_reader import collapsed_request, looks_collapsed
from devfiler.export.otlp_builder import ConversionError
from devfiler.export.pprof_reader import parse_pprof, pprof_request
from devfiler.storage.batch import IngestBatch
from devfiler.storage.store import Store

MAX_FILE_BYTES = 1 << 30
"""A file, or what it unpacks to, larger than this is refused."""
_GZIP_MAGIC = b"\x1f\x8b"


class ProfileImportError(ValueError):
    """A file that cannot be stored; the message names the file and what is wrong."""


@dataclass(frozen=True, slots=True)
class ImportedFile:
    """What one file held and what was stored of it."""

    path: str
    format: str
    events: int
    notes: tuple[str, ...] = ()
    span: tuple[int, int] | None = None
    """[first, last + 1) ns of the stored events (None when there were none)."""

    def summary(self) -> str:
        notes = "".join(f"; {note}" for note in self.notes)
        return f"{self.path}: {self.format}, stored {self.events} events{notes}"


@dataclass(frozen=True, slots=True)
class _Read:
    format: str
    results: list[DecodeResult]
    notes: tuple[str, ...]


def profile_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The files named, a folder standing for the files in it (sorted by name)."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.is_file())
        else:
            yield path


def unpack(data: bytes, name: str) -> bytes:
    """The bytes, gunzipped when they are gzip (at most MAX_FILE_BYTES)."""
    if not data.startswith(_GZIP_MAGIC):
        return data
    inflater = zlib.decompressobj(wbits=31)
    try:
        unpacked = inflater.decompress(data, MAX_FILE_BYTES + 1)
    except zlib.error as error:
        raise ProfileImportError(f"{name}: broken gzip data: {error}") from None
    if len(unpacked) > MAX_FILE_BYTES:
        raise ProfileImportError(f"{name}: unpacks to more than {MAX_FILE_BYTES >> 20} MiB")
    if not inflater.eof:
        raise ProfileImportError(f"{name}: broken gzip data: it ends early")
    return unpacked


def top_level_fields(data: bytes) -> set[int]:
    """Field numbers at the top level of a protobuf message (empty when unreadable)."""
    try:
        message = empty_pb2.Empty.FromString(data)
    except DecodeError:
        return set()
    fields = UnknownFieldSet(message)
    return {fields[i].field_number for i in range(len(fields))}


def read_profile(
    data: bytes, name: str, received_ns: int, frame_cache: FrameCache | None = None
) -> _Read:
    """Decode a file's bytes into validated batches; raises ProfileImportError."""
    data = unpack(data, name)
    if not data:
        raise ProfileImportError(f"{name}: the file is empty")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    try:
        if text and looks_collapsed(text):
            collapsed = collapsed_request(text, received_ns)
            return _Read(
                "collapsed stacks", [_decode(collapsed.request, received_ns, frame_cache)], ()
            )
        fields = top_level_fields(data)
        if 6 in fields:
            converted = pprof_request(parse_pprof(data), received_ns)
            result = _decode(converted.request, received_ns, frame_cache)
            return _Read("pprof", [result], converted.notes)
        if fields and fields <= {1, 2}:
            return _Read("OTLP request", [_decode(data, received_ns, frame_cache)], ())
    except (ConversionError, InvalidRequestError) as error:
        raise ProfileImportError(f"{name}: {error}") from None
    raise ProfileImportError(
        f"{name}: not a profile devfiler reads (OTLP request, pprof, collapsed stacks)"
    )


def _decode(request: Any, received_ns: int, frame_cache: FrameCache | None) -> DecodeResult:
    result = decode_request(request, received_ns, frame_cache)
    if result.rejected_profiles:
        raise InvalidRequestError(result.error_message)
    return result


def import_file(
    store: Store,
    path: str | Path,
    *,
    frame_cache: FrameCache | None = None,
    on_stored: Callable[[IngestBatch], None] | None = None,
) -> ImportedFile:
    """Validate a whole file, then store it; raises ProfileImportError with nothing stored."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ProfileImportError(f"{name}: cannot read: {error.strerror}") from None
    read = read_profile(data, name, time.time_ns(), frame_cache)
    for result in read.results:
        store.write(result.batch)
        if on_stored is not None:
            on_stored(result.batch)
    events = sum(result.samples for result in read.results)
    return ImportedFile(name, read.format, events, read.notes, _span(read.results))


def _span(results: list[DecodeResult]) -> tuple[int, int] | None:
    stamps = [rows.timestamps for r in results for rows in r.batch.events if len(rows)]
    if not stamps:
        return None
    return min(int(s.min()) for s in stamps), max(int(s.max()) for s in stamps) + 1
