"""Dear PyGui's file dialog, to open files, save to a typed name, or pick a folder.

The dialog prefills its name field with "." and puts the current filter in
place of a typed name's last extension ("stacks.txt" comes back as
"stacks.*"): opening, the file is found again by its stem; saving, the
filter is the file's own extension, so a typed name keeps it. It reports no
rectangle of its own, and its first drawn frame is an invisible one at a
default place before it moves to the centre: the hint in its side panel is
an item with a real rectangle, so once two frames drew the hint at the same
place the dialog is on screen, and `rect()` tells automation where.
"""

from __future__ import annotations

import glob
import logging
from collections.abc import Callable
from enum import Enum
from pathlib import Path

import dearpygui.dearpygui as dpg

from devfiler.ui.drawn import drawn_at

SIZE = (900, 520)
ANY_FILE = ".*"
_log = logging.getLogger(__name__)


class Purpose(Enum):
    OPEN = "open"
    """Existing files; Ctrl/Shift+click selects several, a typed name works too."""
    SAVE = "save"
    """A file to write: the typed name in the shown folder."""
    FOLDER = "folder"
    """A folder (the shown one when none is picked)."""


class FileDialog:
    """One dialog; `on_pick` gets the chosen paths (never an empty list)."""

    def __init__(
        self,
        label: str,
        purpose: Purpose,
        on_pick: Callable[[list[Path]], None],
        *,
        hint: str = "",
    ) -> None:
        self.label = label
        self.purpose = purpose
        self._on_pick = on_pick
        self._hint_text = hint
        self._dialog: int | str | None = None
        self._hint: int | str = 0
        self._hint_at: list[float] | None = None
        self._placed = False
        self.folder: Path | None = None
        """Where the next dialog starts: where the last pick was."""

    def open(self, name: str = "", extension: str = ANY_FILE) -> None:
        """Show the dialog; `name` prefills the name field, `extension` (saving) is the
        one the file gets."""
        if self._dialog is not None:
            dpg.delete_item(self._dialog)
        with dpg.file_dialog(
            label=self.label,
            default_path=str(self.folder or Path.cwd()),
            default_filename=name,
            directory_selector=self.purpose is Purpose.FOLDER,
            callback=self._picked,
            width=SIZE[0],
            height=SIZE[1],
            modal=True,
        ) as self._dialog:
            if self.purpose is not Purpose.FOLDER:
                dpg.add_file_extension(extension)
            # Items besides extensions make the dialog's side panel.
            self._hint = dpg.add_text(self._hint_text or self.label)
        self._hint_at, self._placed = None, False

    def _picked(self, sender: int | str, app_data: dict[str, object]) -> None:
        _log.debug("file dialog %r chose %s", self.label, app_data)
        paths = picked_paths(self.purpose, app_data)
        if paths:
            self.folder = paths[0] if self.purpose is Purpose.FOLDER else paths[0].parent
            self._on_pick(paths)

    def follow(self) -> None:
        """Call every frame: notes when the open dialog has come to rest, and makes Enter
        do what its OK button does (the dialog itself ignores Enter)."""
        if self._dialog is None or not dpg.is_item_shown(self._dialog):
            self._hint_at, self._placed = None, False
            return
        if dpg.is_key_pressed(dpg.mvKey_Return) or dpg.is_key_pressed(dpg.mvKey_NumPadEnter):
            info = dpg.get_file_dialog_info(self._dialog)
            dpg.configure_item(self._dialog, show=False)
            self._picked(self._dialog, info)
            return
        hint_at = drawn_at(self._hint)
        self._placed = hint_at is not None and hint_at == self._hint_at
        self._hint_at = hint_at

    def rect(self) -> list[float] | None:
        """[x, y, width, height] of the dialog once it is on screen (ImGui centres a modal)."""
        if not self._placed:
            return None
        width, height = dpg.get_viewport_client_width(), dpg.get_viewport_client_height()
        return [(width - SIZE[0]) / 2, (height - SIZE[1]) / 2, *SIZE]


def picked_paths(purpose: Purpose, app_data: dict[str, object]) -> list[Path]:
    """The paths a dialog's answer names, for what the dialog was opened for."""
    current = Path(str(app_data.get("current_path", "")))
    if purpose is Purpose.FOLDER:
        chosen = str(app_data.get("file_path_name", "")) or str(current)
        return [Path(chosen)] if chosen else []
    name = str(app_data.get("file_name", ""))
    if purpose is Purpose.SAVE:
        return [current / name] if name and name not in (".", ANY_FILE) else []
    selections = app_data.get("selections")
    if isinstance(selections, dict) and selections:
        return [Path(str(p)) for p in selections.values()]
    stem = name.removesuffix(ANY_FILE)
    if not stem:
        return []
    if (current / stem).exists():
        return [current / stem]
    found = sorted(current.glob(f"{glob.escape(stem)}.*"))
    return found[:1] if len(found) == 1 else []
