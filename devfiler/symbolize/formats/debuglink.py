"""Where the separate debug file of an executable lives (GNU conventions).

By build ID: `<root>/.build-id/ab/cdef....debug`. By `.gnu_debuglink` name:
next to the file, in its `.debug/` folder, or under `<root>/<its folder>/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

DEFAULT_DEBUG_ROOTS: tuple[Path, ...] = (Path("/usr/lib/debug"),)


def debug_file_candidates(
    path: Path, gnu_build_id: str, debuglink: str, roots: Sequence[Path] = DEFAULT_DEBUG_ROOTS
) -> list[Path]:
    """Places to look, most specific first."""
    candidates: list[Path] = []
    if len(gnu_build_id) > 2:
        for root in roots:
            candidates.append(root / ".build-id" / gnu_build_id[:2] / f"{gnu_build_id[2:]}.debug")
    if debuglink and "/" not in debuglink:
        folder = path.resolve().parent
        candidates.append(folder / debuglink)
        candidates.append(folder / ".debug" / debuglink)
        for root in roots:
            candidates.append(root / folder.relative_to(folder.anchor) / debuglink)
    return candidates


def find_debug_file(
    path: Path, gnu_build_id: str, debuglink: str, roots: Sequence[Path] = DEFAULT_DEBUG_ROOTS
) -> Path | None:
    """The first existing candidate that is not the file itself."""
    own = path.resolve()
    for candidate in debug_file_candidates(path, gnu_build_id, debuglink, roots):
        if candidate.is_file() and candidate.resolve() != own:
            return candidate
    return None
