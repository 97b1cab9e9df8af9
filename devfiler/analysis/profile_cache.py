"""Profiles kept per (selection, store change), loaded once however many views ask.

The window's tabs compute in worker threads, often at the same moment for
the same selection: the first to ask loads the profile, the others wait for
it instead of reading the store again. A few recent keys are kept, so going
back to the previous selection is immediate. A selection that is a kept one
moved forward in time (a range following the present) is folded from it
(analysis/profile_fold.py) rather than loaded.

Profiles are summed (`load_profile(times=False)`): the stack views read
only the (trace, thread) sums, and the views that need event times read
them on their own (`times`, `topfunctions.read_event_paths`), so the first
flamegraph never waits for them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from devfiler.analysis.flamescope import store_flamescope
from devfiler.analysis.followed_timeline import FollowedTimeline
from devfiler.analysis.labels import SymbolLookup
from devfiler.analysis.profile import Profile
from devfiler.analysis.profile_fold import Followed, can_fold, fold, load_followed
from devfiler.analysis.results import FlameScope, Selection, Timeline
from devfiler.storage.store import Store

KEEP = 3
"""Profiles kept: the current one, the previous, and one being replaced."""
FULL_LOAD_EVERY = 60
"""Folds in a row before a full load picks up events that arrived very late."""


class _Entry:
    __slots__ = ("done", "error", "folds", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Followed | None = None
        self.error: BaseException | None = None
        self.folds = 0


class ProfileCache:
    """Thread-safe; `change` is whatever tells the store's states apart (its change counter)."""

    def __init__(self, store: Store, symbols: SymbolLookup | None, keep: int = KEEP) -> None:
        self._store = store
        self._symbols = symbols
        self._keep = keep
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._timeline = FollowedTimeline(store)

    def get(self, selection: Selection, change: Hashable) -> Profile:
        """The selection's profile at this store state, loading it if no thread has yet."""
        key = (selection, change)
        with self._lock:
            entry = self._entries.get(key)
            owner = entry is None
            base: _Entry | None = None
            if entry is None:
                base = self._foldable(selection)
                entry = self._entries[key] = _Entry()
                while len(self._entries) > self._keep:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
        if owner:
            try:
                if base is not None and base.value is not None:
                    entry.value = fold(base.value, self._store, selection, self._symbols)
                    entry.folds = base.folds + 1
                else:
                    entry.value = load_followed(self._store, selection, self._symbols)
            except BaseException as error:
                entry.error = error
                with self._lock:
                    if self._entries.get(key) is entry:
                        del self._entries[key]
            finally:
                entry.done.set()
        entry.done.wait()
        if entry.error is not None:
            raise entry.error
        assert entry.value is not None
        return entry.value.profile

    def _foldable(self, selection: Selection) -> _Entry | None:
        """The newest loaded profile this selection can be folded from (lock held)."""
        for entry in reversed(self._entries.values()):
            value = entry.value if entry.done.is_set() else None
            if value is not None and entry.folds < FULL_LOAD_EVERY and can_fold(value, selection):
                return entry
        return None

    def timeline(self, selection: Selection, change: Hashable) -> Timeline:
        """The selection's timeline from the store: block sums when its buckets are whole
        seconds, moved forward with a range following the present."""
        return self._timeline.get(selection)

    def flamescope(self, selection: Selection, change: Hashable) -> FlameScope:
        """The selection's FlameScope from the store (mostly its summarized cells): it needs
        no traces or labels, so it never waits for a profile to load."""
        return store_flamescope(self._store, selection)
