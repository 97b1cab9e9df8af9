"""File ID ("htlhash") of an executable, as the profiling agent computes it.

SHA-256 over the first 4096 bytes, the last 4096 bytes and the file length
(8 bytes big-endian); the ID is the first 16 bytes of the digest.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from devfiler.model import FileId
from devfiler.symbolize.formats.regular_file import open_regular

_CHUNK = 4096


def file_id_of_path(path: str | Path) -> FileId:
    """Hash only the head and tail, so huge files cost two reads; regular files only."""
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        head = handle.read(_CHUNK)
        handle.seek(max(0, size - _CHUNK))
        tail = handle.read(_CHUNK)
    return _digest(head, tail, size)


def file_id_of_bytes(data: bytes) -> FileId:
    return _digest(data[:_CHUNK], data[-_CHUNK:] if data else b"", len(data))


def _digest(head: bytes, tail: bytes, size: int) -> FileId:
    digest = hashlib.sha256(head + tail + size.to_bytes(8, "big")).digest()
    return FileId.from_bytes(digest[:16])
