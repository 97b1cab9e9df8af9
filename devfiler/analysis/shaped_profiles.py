"""Profiles with the selection's stack shape applied, for the window's tabs.

The shape (ignore list, merged recursion, focus) changes the stacks but not
which events are read, so the profile is loaded (or folded) once per plain
selection and reshaped from it: switching the ignore list on and off, or
focusing on a function, never reads the store again. The last few reshaped
profiles are kept, as every tab asks for the same one.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Hashable

from devfiler.analysis.labels import SymbolLookup
from devfiler.analysis.profile import Profile
from devfiler.analysis.profile_cache import KEEP, ProfileCache
from devfiler.analysis.results import FlameScope, Selection, Timeline
from devfiler.analysis.shape import shaped
from devfiler.analysis.shape_options import PLAIN
from devfiler.storage.store import Store


class ShapedProfiles(ProfileCache):
    """A ProfileCache whose profiles carry their selection's shape."""

    def __init__(self, store: Store, symbols: SymbolLookup | None, keep: int = KEEP) -> None:
        super().__init__(store, symbols, keep)
        self._keep_shaped = keep
        self._shaped_lock = threading.Lock()
        self._shaped: OrderedDict[Hashable, Profile] = OrderedDict()

    def get(self, selection: Selection, change: Hashable) -> Profile:
        plain = dataclasses.replace(selection, shape=PLAIN)
        base = super().get(plain, change)
        if selection.shape.plain:
            return base
        key = (selection, change)
        with self._shaped_lock:
            kept = self._shaped.get(key)
        if kept is not None:
            return kept
        # Two tabs may reshape the same profile at once: the work is cheap next to
        # a load, and both get equal values.
        value = shaped(base, selection.shape)
        with self._shaped_lock:
            self._shaped[key] = value
            while len(self._shaped) > self._keep_shaped:
                self._shaped.popitem(last=False)
        return value

    def flamescope(self, selection: Selection, change: Hashable) -> FlameScope:
        """The plain selection's FlameScope: like the timeline, it shows every event."""
        return super().flamescope(dataclasses.replace(selection, shape=PLAIN), change)

    def timeline(self, selection: Selection, change: Hashable) -> Timeline:
        """The plain selection's timeline, as `flamescope`."""
        return super().timeline(dataclasses.replace(selection, shape=PLAIN), change)
