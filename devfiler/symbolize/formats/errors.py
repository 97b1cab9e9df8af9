"""The error an extractor raises for a file it cannot read; its message is shown to the user."""

from __future__ import annotations


class SymbolError(Exception):
    """The file is corrupt, truncated or not what it claims; the message says where."""
