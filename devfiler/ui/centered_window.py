"""The window's own closable windows (Add data, Samples, Source): centred, hidden until opened.

They share size, placement and the one question the shell asks of them
(`shown`); what each holds is built inside the `centered` block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dearpygui.dearpygui as dpg


@contextmanager
def centered(label: str, size: tuple[int, int], viewport: tuple[int, int]) -> Iterator[int | str]:
    """A hidden window of `size` in the middle of the viewport; build its content inside."""
    width, height = size
    with dpg.window(
        label=label,
        width=width,
        height=height,
        pos=((viewport[0] - width) // 2, (viewport[1] - height) // 2),
        show=False,
        no_collapse=True,
    ) as window:
        yield window


def is_shown(window: int | str) -> bool:
    return bool(dpg.is_item_shown(window))
