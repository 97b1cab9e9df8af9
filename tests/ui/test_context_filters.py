"""The filter bar's filter list: chips, flips, and the Selection fields it makes."""

from __future__ import annotations

import pytest

from devfiler.analysis.results import FILTER_FIELDS, Selection
from devfiler.ui.context_filters import FIELD_TITLES, ContextFilter, FilterList


def test_every_selection_field_has_a_title() -> None:
    assert tuple(FIELD_TITLES.values()) == FILTER_FIELDS


def test_chip_labels_mark_exclusions() -> None:
    filters = FilterList().added("thread", "worker", exclude=False).added("pid", "42", exclude=True)
    assert filters.labels == ["thread=worker", "!pid=42"]


def test_include_and_exclude_feed_a_selection() -> None:
    filters = (
        FilterList()
        .added("thread", "worker", exclude=False)
        .added("thread", "io", exclude=False)
        .added("exe", "nginx", exclude=True)
    )
    selection = Selection(0, 10, include=filters.include, exclude=filters.exclude)
    assert selection.include == (("thread", "worker"), ("thread", "io"))
    assert selection.exclude == (("exe", "nginx"),)


def test_blank_values_add_nothing_and_values_are_trimmed() -> None:
    empty = FilterList()
    assert empty.added("service", "   ", exclude=False) is empty
    assert empty.added("service", " api ", exclude=False).include == (("service", "api"),)


def test_the_same_value_flips_instead_of_doubling() -> None:
    kept = FilterList().added("pid", "7", exclude=False).added("pid", "7", exclude=False)
    assert kept.labels == ["pid=7"]
    flipped = kept.added("pid", "7", exclude=True)
    assert flipped.labels == ["!pid=7"]
    assert flipped.include == ()


def test_removing_a_chip_leaves_the_others() -> None:
    filters = (
        FilterList().added("thread", "a", exclude=False).added("container", "ab", exclude=True)
    )
    left = filters.removed(ContextFilter("thread", "a"))
    assert left.labels == ["!container=ab"]
    assert left.removed(ContextFilter("container", "ab", exclude=True)) == FilterList()


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown filter"):
        FilterList().added("host", "x", exclude=False)
