"""What the window shows, kept across restarts: one small JSON file per data folder.

Tab, sample kind, filters, "Show inline", merged recursion and focus belong
to the shell; each tab may add its own part (the flamegraph its zoom path
and orientation, Top functions its sort column) through `view_state` /
`restore_view`. The files live in the user config folder under `views/`,
named by a hash of the data folder's path, so each data folder reopens as it
was left and a data folder can be deleted without losing anything else. The
ignore list is not here: it holds for every data folder (ignore_file.py).
A file that cannot be parsed is set aside as `.bad` with a log line, never
silently overwritten.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devfiler.config import config_dir
from devfiler.ui.context_filters import FilterList

SAVE_EVERY_SECONDS = 1.0
"""A drag changes the zoom every frame; the file follows at most this often (and on close)."""
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ViewState:
    """The shell's part and each tab's own (JSON values, keyed by tab ID)."""

    tab: str = ""
    kind: str = ""
    filters: FilterList = field(default_factory=FilterList)
    inline: bool = True
    merge_recursion: bool = False
    focus: str | None = None
    tabs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def view_state_path(data_root: Path) -> Path:
    digest = hashlib.sha256(str(data_root.resolve()).encode()).hexdigest()[:20]
    return config_dir() / "views" / f"{digest}.json"


def to_json(state: ViewState) -> dict[str, Any]:
    return {
        "tab": state.tab,
        "kind": state.kind,
        "filters": [[f.field, f.value, f.exclude] for f in state.filters.filters],
        "inline": state.inline,
        "merge_recursion": state.merge_recursion,
        "focus": state.focus,
        "tabs": {tab: dict(part) for tab, part in state.tabs.items()},
    }


def from_json(doc: Any) -> ViewState:
    """The state a file holds; ValueError when it is not one."""
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    filters = FilterList()
    for entry in doc.get("filters", []):
        name, value, exclude = entry
        filters = filters.added(str(name), str(value), exclude=bool(exclude))
    focus = doc.get("focus")
    tabs = doc.get("tabs", {})
    if not isinstance(tabs, dict) or not all(isinstance(p, dict) for p in tabs.values()):
        raise ValueError("tabs is not an object of objects")
    return ViewState(
        tab=str(doc.get("tab", "")),
        kind=str(doc.get("kind", "")),
        filters=filters,
        inline=bool(doc.get("inline", True)),
        merge_recursion=bool(doc.get("merge_recursion", False)),
        focus=str(focus) if focus else None,
        tabs=tabs,
    )


def read_view_state(path: Path) -> ViewState:
    """The saved state, or the default one (setting a damaged file aside as `.bad`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ViewState()
    except OSError as error:
        _log.warning("cannot read the saved view %s: %s", path, error.strerror)
        return ViewState()
    try:
        return from_json(json.loads(text))
    except (ValueError, TypeError) as error:
        aside = path.with_suffix(".bad")
        path.replace(aside)
        _log.warning("the saved view %s is malformed (%s); kept as %s", path, error, aside)
        return ViewState()


def write_view_state(path: Path, state: ViewState) -> None:
    """Replace the file in one step; a failure is logged, the window goes on."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(to_json(state), indent=1) + "\n", encoding="utf-8")
        partial.replace(path)
    except OSError as error:
        _log.warning("cannot save the view to %s: %s", path, error.strerror)
