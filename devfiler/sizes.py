"""Byte sizes as people write and read them: 10GiB, 500MiB, 1.5 GiB.

Shared by the store's disk bound, forwarding's queue and what the window and
the log show about them.
"""

from __future__ import annotations

import re

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)$", re.IGNORECASE)
_SIZE_UNITS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}


def parse_size(text: str) -> int:
    """A size like 10GiB, 500MB, 2G or 1048576 in bytes (K, M, G, T: powers of 1024)."""
    match = _SIZE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"size {text!r} is not like 10GiB, 500MiB or 2G")
    return int(float(match.group(1)) * 1024 ** _SIZE_UNITS[match.group(2).lower()])


def format_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
