"""The window's profiles: reshaped from one loaded profile per plain selection."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from devfiler.analysis.results import Selection
from devfiler.analysis.selection import select_times
from devfiler.analysis.shape import load_shaped
from devfiler.analysis.shape_options import IgnoreRule, StackShape
from devfiler.analysis.shaped_profiles import ShapedProfiles
from devfiler.analysis.timeline import timeline
from tests.analysis.stores import SHAPED_EVENTS, make_store


def test_shapes_share_the_plain_profile_and_match_a_direct_load(tmp_path: Path) -> None:
    plain = Selection()
    focused = Selection(shape=StackShape(ignore=(IgnoreRule("wrapper"),), focus="walk"))
    with make_store(tmp_path, SHAPED_EVENTS) as store:
        profiles = ShapedProfiles(store, None)
        base = profiles.get(plain, 1)
        first = profiles.get(focused, 1)
        assert profiles.get(focused, 1) is first
        direct = load_shaped(store, focused, None)
        scope = profiles.flamescope(focused, 1)
        shown = profiles.timeline(focused, 1)
        every = timeline(select_times(store, plain))
    assert first.selection == focused and base.selection == plain
    assert first.stacks.frames is base.stacks.frames, "reshaped from the loaded profile"
    assert first.total == direct.total == 2 and base.total == 4
    assert np.array_equal(first.stacks.codes, direct.stacks.codes)
    assert int(scope.weight.sum()) == 4, "FlameScope shows every event"
    assert shown == every and sum(weight for _, weight in shown.buckets) == 4
