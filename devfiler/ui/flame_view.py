"""Where the flamegraph looks: the horizontal window onto the root and the scroll.

Pure value and arithmetic, so zoom and pan behaviour is tested without a
window. x0/x1 are fractions of the root's width; `top` is the first visible
pixel row, measured from the top of the highest row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from devfiler.ui.flame_model import FlatFlame, hit

MIN_SPAN = 1e-9
"""Narrowest window onto the root; deeper zoom only shows float noise."""


@dataclass(frozen=True, slots=True)
class FlameView:
    x0: float = 0.0
    x1: float = 1.0
    top: float = 0.0
    focus: tuple[str, ...] | None = None
    """Path of the zoomed-in node: the zoom follows it when new data arrives."""

    @property
    def span(self) -> float:
        return self.x1 - self.x0


def clamp(view: FlameView, content_height: float, viewport_height: float) -> FlameView:
    """Keep the window inside the root and the scroll inside the content."""
    span = min(max(view.span, MIN_SPAN), 1.0)
    x0 = min(max(view.x0, 0.0), 1.0 - span)
    top = min(max(view.top, 0.0), max(content_height - viewport_height, 0.0))
    return replace(view, x0=x0, x1=x0 + span, top=top)


def zoom_to(flat: FlatFlame, index: int, view: FlameView) -> FlameView:
    """Fill the width with one node (a click, or jumping to a filter match)."""
    x0 = float(flat.start[index]) / flat.total
    x1 = (float(flat.start[index]) + float(flat.table.weight[index])) / flat.total
    return replace(view, x0=x0, x1=max(x1, x0 + MIN_SPAN), focus=flat.path(index))


def reveal_row(view: FlameView, row_top: float, row_height: float, viewport: float) -> FlameView:
    """Scroll just enough that a row is on screen."""
    if row_top < view.top:
        return replace(view, top=row_top)
    if row_top + row_height > view.top + viewport:
        return replace(view, top=row_top + row_height - viewport)
    return view


def pan(view: FlameView, dx_px: float, dy_px: float, width: float) -> FlameView:
    """Move by screen pixels; positive dx shows what lies to the right."""
    shift = dx_px / max(width, 1.0) * view.span
    return replace(view, x0=view.x0 + shift, x1=view.x1 + shift, top=view.top + dy_px, focus=None)


def zoom_at(view: FlameView, factor: float, anchor: float) -> FlameView:
    """Scale the window by `factor` (< 1 zooms in) keeping `anchor` (0..1 of width) fixed."""
    point = view.x0 + anchor * view.span
    span = min(max(view.span * factor, MIN_SPAN), 1.0)
    x0 = point - anchor * span
    return replace(view, x0=x0, x1=x0 + span, focus=None)


def follow(view: FlameView, flat: FlatFlame) -> FlameView:
    """After new data: keep the zoomed node filling the width, or reset when it is gone.

    A zoom onto a frame the new selection no longer holds would show some
    unrelated slice of the graph as if nothing had changed.
    """
    if view.focus is None:
        return view
    index = flat.find_path(view.focus)
    return FlameView() if index is None else zoom_to(flat, index, view)


def inside(view: FlameView, flat: FlatFlame) -> tuple[str, ...]:
    """Keys of the deepest node holding the whole view, from below the top node down.

    Everything drawn at this zoom is that node, its subtree or above it;
    empty when that is the top node (or the view is a sandwich's).
    """
    if view.focus is not None:
        return view.focus[1:]
    left, right = view.x0 * flat.total, view.x1 * flat.total
    index, row = 0, 1
    while row in flat.rows:
        below = hit(flat, row, left)
        if below is None or flat.start[below] + flat.table.weight[below] < right:
            break
        index, row = below, row + 1
    return flat.path(index)[1:] if index else ()


def zoomed(view: FlameView) -> bool:
    return view.span < 1.0


def root_text(base: str, view: FlameView, *, filtered: bool, focus_label: str | None) -> str:
    """What the root bar says: whose 100% it is, and that the view is zoomed and how to leave.

    `base` is the analysis layer's "100% of all ..."; with filters set the
    root holds only the matching samples.
    """
    text = base.replace("100% of all ", "100% of the filtered ", 1) if filtered else base
    if not zoomed(view):
        return text
    into = f"zoomed into {focus_label}" if focus_label else "zoomed in"
    return f"{text} - {into}: double-click or Esc to reset"
