#!/usr/bin/env python3
"""Draw devfiler's icon, resources/icon.png: a tiny icicle graph on a dark tile.

Run from the repository root after changing the drawing; the PNG is
committed so the app needs no drawing code at start. Uses only the standard
library (zlib + struct) to write the PNG.
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

SIZE = 64
TILE = (24, 28, 34, 255)
BARS = (
    # (row top, row bottom, left, right, colour): root, then callers over callees.
    (10, 19, 8, 56, (170, 170, 170, 255)),
    (21, 30, 8, 40, (110, 208, 214, 255)),
    (21, 30, 42, 56, (245, 166, 90, 255)),
    (32, 41, 8, 30, (132, 143, 240, 255)),
    (32, 41, 42, 52, (112, 214, 160, 255)),
    (43, 52, 8, 20, (110, 208, 214, 255)),
    (43, 52, 22, 28, (235, 80, 80, 255)),
)
RADIUS = 10


def inside_tile(x: int, y: int) -> bool:
    """A square with rounded corners."""
    cx = min(max(x, RADIUS), SIZE - 1 - RADIUS)
    cy = min(max(y, RADIUS), SIZE - 1 - RADIUS)
    return (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS**2


def pixel(x: int, y: int) -> tuple[int, int, int, int]:
    if not inside_tile(x, y):
        return (0, 0, 0, 0)
    for top, bottom, left, right, colour in BARS:
        if top <= y < bottom and left <= x < right:
            return colour
    return TILE


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> int:
    rows = [b"".join(bytes(pixel(x, y)) for x in range(SIZE)) for y in range(SIZE)]
    target = Path(__file__).resolve().parent.parent / "resources" / "icon.png"
    target.write_bytes(png(SIZE, SIZE, rows))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
