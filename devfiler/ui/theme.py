"""Colours and fonts of the window: dark theme, frame colours by kind.

The palette lives here, free of Dear PyGui, so the pure drawing adapters
(flame_layout, topfuncs_rows) and the window (styling.py applies it) agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from devfiler.model import FrameKind

RGB = tuple[int, int, int]

BACKGROUND: RGB = (12, 12, 12)
PANEL: RGB = (27, 27, 27)
WIDGET: RGB = (45, 45, 45)
TEXT: RGB = (210, 210, 210)
TEXT_DIM: RGB = (140, 140, 140)
ACCENT: RGB = (0, 109, 143)
"""Selected tab buttons and table bars (the original's steel blue)."""
ACCENT_HOVER: RGB = (20, 130, 170)
TIMELINE_LINE: RGB = (200, 80, 80)
HEAT_TOTAL: RGB = (0, 109, 143)
HEAT_SELF: RGB = (220, 90, 80)
FRAME_TEXT: RGB = (0, 0, 0)
HEADER_BOX: RGB = (62, 62, 62)
"""The root and the per-thread boxes, which are not frames."""
HEADER_TEXT: RGB = (225, 225, 225)
ERROR_FRAME: RGB = (235, 80, 80)
WRONG_KIND: RGB = (200, 255, 0)
"""Kinds without a colour get a loud yellow-green, so a missing entry is noticed."""

FRAME_COLOURS: dict[FrameKind, RGB] = {
    FrameKind.NATIVE: (110, 208, 214),
    FrameKind.KERNEL: (132, 143, 240),
    FrameKind.JVM: (112, 214, 160),
    FrameKind.CPYTHON: (245, 166, 90),
    FrameKind.PHP: (235, 215, 95),
    FrameKind.PHP_JIT: (225, 200, 70),
    FrameKind.RUBY: (178, 120, 232),
    FrameKind.PERL: (240, 150, 200),
    FrameKind.V8JS: (190, 180, 245),
    FrameKind.GO: (0, 173, 216),
    FrameKind.DOTNET: (110, 110, 215),
    FrameKind.BEAM: (218, 112, 214),
    FrameKind.LUAJIT: (160, 200, 120),
    FrameKind.ABORT: ERROR_FRAME,
}

FONT_SIZE = 15
FRAME_FONT_SIZE = 13
_MONO_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
    "/System/Library/Fonts/Menlo.ttc",
    "C:/Windows/Fonts/consola.ttf",
)


def frame_colour(kind: FrameKind | None, *, error: bool = False) -> RGB:
    """Box colour of a frame; None is the root or a thread box."""
    if error:
        return ERROR_FRAME
    if kind is None:
        return HEADER_BOX
    return FRAME_COLOURS.get(kind, WRONG_KIND)


GREW = (228, 72, 60)
SHRANK = (64, 128, 228)
UNCHANGED = (150, 150, 150)


def change_colours(change: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8]:
    """Differential boxes: grey when the share held, redder as it grew, bluer as it shrank."""
    amount = np.abs(np.clip(change, -1.0, 1.0))[:, None]
    target = np.where(change[:, None] >= 0, np.array(GREW), np.array(SHRANK))
    neutral = np.array(UNCHANGED, dtype=np.float64)
    return np.rint(neutral + (target - neutral) * amount).astype(np.uint8)


def dim(colour: RGB, amount: float = 0.7) -> RGB:
    """Blend toward the background: frames that do not match the filter."""
    r, g, b = colour
    br, bg, bb = BACKGROUND
    keep = 1.0 - amount
    return (
        round(r * keep + br * amount),
        round(g * keep + bg * amount),
        round(b * keep + bb * amount),
    )


@dataclass(frozen=True, slots=True)
class Fonts:
    """Font handles (0 = Dear PyGui's built-in font) and the width of one frame-label glyph."""

    ui: int
    frame: int
    frame_char_width: float


def monospace_font_path() -> Path | None:
    """A monospace TrueType font of the system; the built-in font is used without one."""
    for candidate in _MONO_FONTS:
        path = Path(candidate)
        if path.exists():
            return path
    return None
