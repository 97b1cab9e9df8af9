"""The filter bar's list of context filters, free of Dear PyGui.

The bar adds and removes filters; the shell turns the list into the
`include` / `exclude` fields of the Selection every tab uses, so a filter
changes every view and is part of every result's cache key.
"""

from __future__ import annotations

from dataclasses import dataclass

from devfiler.analysis.results import FILTER_FIELDS

FIELD_TITLES: dict[str, str] = {
    "Thread": "thread",
    "PID": "pid",
    "Executable": "exe",
    "Container": "container",
    "Service": "service",
}
"""What the field selector shows, and the Selection field each stands for."""


@dataclass(frozen=True, slots=True)
class ContextFilter:
    """One chip: events whose `field` is `value` are kept, or dropped when `exclude`."""

    field: str
    value: str
    exclude: bool = False

    @property
    def label(self) -> str:
        """How the chip reads: thread=worker, or !pid=42 for an exclusion."""
        return f"{'!' if self.exclude else ''}{self.field}={self.value}"


@dataclass(frozen=True, slots=True)
class FilterList:
    """The active filters, in the order they were added."""

    filters: tuple[ContextFilter, ...] = ()

    def added(self, field: str, value: str, *, exclude: bool) -> FilterList:
        """With one more filter; blank values add nothing.

        A value filtered the other way before flips instead of being both
        kept and dropped, which would show nothing and two chips for it.
        """
        if field not in FILTER_FIELDS:
            raise ValueError(f"unknown filter {field!r}")
        value = value.strip()
        if not value:
            return self
        new = ContextFilter(field, value, exclude)
        kept = tuple(f for f in self.filters if (f.field, f.value) != (field, value))
        return FilterList((*kept, new))

    def removed(self, gone: ContextFilter) -> FilterList:
        return FilterList(tuple(f for f in self.filters if f != gone))

    @property
    def include(self) -> tuple[tuple[str, str], ...]:
        return tuple((f.field, f.value) for f in self.filters if not f.exclude)

    @property
    def exclude(self) -> tuple[tuple[str, str], ...]:
        return tuple((f.field, f.value) for f in self.filters if f.exclude)

    @property
    def labels(self) -> list[str]:
        return [f.label for f in self.filters]
