"""The ignore list kept in the user config folder, for the window, `query` and `export` alike.

A JSON file: `{"enabled": true, "rules": [{"pattern": "...", "action": "hide"}]}`.
A file that cannot be read or parsed is reported and left as it is, never
replaced by an empty list, so a hand edit gone wrong loses nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from devfiler.analysis.shape_options import IgnoreAction, IgnoreRule
from devfiler.config import config_dir

FILE_NAME = "ignore.json"


@dataclass(frozen=True, slots=True)
class IgnoreList:
    """The saved rules and whether they are applied (one key toggles that in the window)."""

    rules: tuple[IgnoreRule, ...] = ()
    enabled: bool = True

    @property
    def active(self) -> tuple[IgnoreRule, ...]:
        """The rules in force: none while the list is switched off."""
        return self.rules if self.enabled else ()


def ignore_path() -> Path:
    return config_dir() / FILE_NAME


def read_ignore_list(path: Path) -> IgnoreList:
    """The saved list; an empty one when there is no file yet.

    Raises ValueError naming the file when it is unreadable or malformed.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return IgnoreList()
    except OSError as error:
        raise ValueError(f"cannot read the ignore list {path}: {error.strerror}") from None
    try:
        doc = json.loads(text)
        rules = tuple(
            IgnoreRule(str(rule["pattern"]), IgnoreAction(rule.get("action", "hide")))
            for rule in doc.get("rules", [])
        )
        return IgnoreList(rules, bool(doc.get("enabled", True)))
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        problem = f"the ignore list {path} is malformed ({error}); fix or remove it"
        raise ValueError(problem) from None


def write_ignore_list(path: Path, ignore: IgnoreList) -> None:
    """Replace the file in one step, so a reader never sees half of it."""
    doc = {
        "enabled": ignore.enabled,
        "rules": [{"pattern": rule.pattern, "action": rule.action.value} for rule in ignore.rules],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
