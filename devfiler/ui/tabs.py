"""The one small interface every tab implements, and the state tabs share.

The app holds a list of tabs and knows nothing about what they draw;
developer-mode tabs are the same interface with a visibility rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from devfiler.analysis.labels import SymbolLookup
from devfiler.analysis.profile_cache import ProfileCache
from devfiler.analysis.results import Selection
from devfiler.analysis.samples import FrameTarget
from devfiler.analysis.shape_options import PLAIN, StackShape
from devfiler.services.database import Store
from devfiler.ui.background import Background
from devfiler.ui.theme import Fonts


@dataclass(slots=True)
class Shared:
    """What every tab reads each frame; the app shell owns and updates it."""

    store: Store
    work: Background
    profiles: ProfileCache
    """The selection's loaded profile, shared by every tab (keyed by selection and change)."""
    selection: Selection
    change: int
    """The store's change counter as last sampled: part of every result key."""
    dev_mode: bool
    fonts: Fonts
    inline: bool = True
    """"Show inline" (a flamegraph checkbox) feeds the selection of every tab."""
    shape: StackShape = PLAIN
    """Ignore list (the shell), merged recursion and focus (the flamegraph tab): they
    reshape the stacks of every tab's selection."""
    symbols: SymbolLookup | None = None
    """Native symbols for the analysis layer; None shows file+address labels."""
    wheel: float = 0.0
    """Mouse wheel steps of this frame (Dear PyGui reports the wheel only through a handler)."""
    capturing: bool = False
    """A screenshot is being taken: no tooltips under the (parked) mouse pointer."""
    request_tab: str | None = None
    """A tab asks the shell to switch to another (e.g. FlameScope -> Flamegraph)."""
    request_range: tuple[int, int] | None = None
    request_samples: FrameTarget | None = None
    request_source: str | None = None
    """A tab asks the shell to show a function's source lines (an Alt+click)."""
    """A tab asks the shell to list the samples behind a frame (a right-click)."""
    """A tab asks the shell to show exactly [start, end) ns (and stop following)."""
    drop_available: bool = False
    """Files can be dropped onto this window (the platform's drops reach us)."""
    dropped: list[Path] = field(default_factory=list)
    """Files dropped onto the window and not yet taken by a tab."""


class Tab(Protocol):
    id: str
    title: str

    def visible(self, dev_mode: bool) -> bool:
        """Whether the tab button shows (developer tabs only in developer mode)."""

    def build(self, parent: int | str, shared: Shared) -> None:
        """Create the tab's items once, under `parent`."""

    def update(self, shared: Shared) -> None:
        """Called every frame while the tab is shown: request results, redraw what changed."""

    def settled(self, shared: Shared) -> bool:
        """Everything the tab shows is computed for the current inputs and drawn."""
