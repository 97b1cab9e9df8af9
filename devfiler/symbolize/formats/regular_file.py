"""Opening files whose names come from elsewhere (the agent, a debug link) safely.

A path an agent reports may name a FIFO, a device or a socket on this
machine: opening one for reading can block forever and reading it never
ends. Files are opened without blocking and checked on the open descriptor,
so a path swapped between a check and the open changes nothing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO


class NotRegularFileError(OSError):
    """The path names something other than a regular file (or one past a size cap)."""


def open_regular(path: str | Path, max_bytes: int | None = None) -> BinaryIO:
    """`open(path, "rb")` for regular files of at most `max_bytes`; anything else raises
    NotRegularFileError without reading a byte."""

    def opener(name: str, flags: int) -> int:
        return os.open(name, flags | os.O_NONBLOCK | os.O_NOCTTY)

    handle = open(path, "rb", opener=opener)  # noqa: SIM115 - returned to the caller
    try:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFileError(f"{path} is not a regular file")
        if max_bytes is not None and info.st_size > max_bytes:
            raise NotRegularFileError(
                f"{path} has {info.st_size:,} bytes, more than the {max_bytes:,} read from "
                "files found on this machine"
            )
    except BaseException:
        handle.close()
        raise
    return handle
