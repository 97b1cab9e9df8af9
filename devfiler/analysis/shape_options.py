"""What reshapes the stacks before any view: the ignore list, merged recursion, focus.

These are values only, so a Selection can carry them (results.py) and equal
choices give equal cache keys; analysis/shape.py applies them.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class IgnoreAction(enum.StrEnum):
    """What a matching frame does to the stacks it is on."""

    HIDE = "hide"
    """The frame is left out: its callees hang from its caller, its own weight goes there."""
    CUT = "cut"
    """The stack ends at the frame: what it called is dropped and counts as its own weight."""


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """A regular expression searched in a frame's function name and label."""

    pattern: str
    action: IgnoreAction = IgnoreAction.HIDE

    def __post_init__(self) -> None:
        compiled(self.pattern)

    def matches(self, texts: tuple[str, str]) -> bool:
        expression = compiled(self.pattern)
        return any(expression.search(text) for text in texts)


def compiled(pattern: str) -> re.Pattern[str]:
    """The pattern compiled (re caches it), or a ValueError that says what is wrong."""
    if not pattern:
        raise ValueError("an ignore pattern must not be empty")
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ValueError(f"bad ignore pattern {pattern!r}: {error}") from None


@dataclass(frozen=True, slots=True)
class StackShape:
    """How stacks are reshaped; the default leaves them as recorded.

    `focus` is a function name: only the stacks through it are kept, each
    starting at its outermost call.
    """

    ignore: tuple[IgnoreRule, ...] = ()
    merge_recursion: bool = False
    focus: str | None = None

    @property
    def plain(self) -> bool:
        return not self.ignore and not self.merge_recursion and self.focus is None


PLAIN = StackShape()
