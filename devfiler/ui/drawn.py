"""Where items were drawn in the last frame, for the automation state.

Dear PyGui learns an item's rectangle while rendering it: before the first
frame that draws it the rectangle reads (0, 0), and an item the table
clipper skipped or a hidden group left undrawn keeps a stale one. Positions
handed to automation therefore come only from items the last frame drew.
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg


def drawn_at(item: int | str) -> list[float] | None:
    """Top-left of the item in the viewport as last drawn; None if the last frame skipped it."""
    state = dpg.get_item_state(item)
    if not state.get("visible"):
        return None
    return [float(v) for v in state["rect_min"]]
