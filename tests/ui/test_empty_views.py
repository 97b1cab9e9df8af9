"""What empty views say: the agent option for off-CPU and uprobe samples, filters, nothing."""

from __future__ import annotations

from devfiler.model import SampleKind
from devfiler.ui.empty_views import FILTERED, NOTHING, OFF_CPU, UPROBE, empty_reason


def test_each_kind_of_empty_selection_has_its_reason() -> None:
    assert "-off-cpu-threshold" in OFF_CPU
    assert "-probe-link uprobe:/usr/bin/app:function" in UPROBE
    assert empty_reason(frozenset({SampleKind.OFF_CPU}), filtered=False) == OFF_CPU
    assert empty_reason(frozenset({SampleKind.UPROBE}), filtered=False) == UPROBE
    assert empty_reason(frozenset(SampleKind), filtered=False) == NOTHING
    assert empty_reason(frozenset({SampleKind.ON_CPU}), filtered=False) == NOTHING
    assert empty_reason(frozenset({SampleKind.OFF_CPU}), filtered=True) == FILTERED
