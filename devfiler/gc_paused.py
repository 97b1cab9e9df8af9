"""Pausing Python's cyclic garbage collector while many small containers are made.

Turning a few hundred thousand array rows into lists or nodes makes the
collector run its generation scans over and over, each time finding nothing
(the new objects hold only ints and strings): two thirds of the cost. These
objects form no cycles, so collection can wait until they are made.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Collection off inside the block, back to how it was after (also on errors)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
