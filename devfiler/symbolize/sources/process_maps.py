"""Where the processes the agent reports have their files mapped, read from /proc.

The agent names a library by its base name only, and the loader's folders
miss whatever a process loads from elsewhere (Python extension modules,
virtual environments, bundled libraries). devfiler usually runs on the host
it profiles, where the kernel knows every mapping's full path: for each PID
the agent reports, `/proc/PID/maps` lists them. A mapping is offered under
three names: its path as the process sees it, the same path through
`/proc/PID/root` (a process in a container sees another file system), and
`/proc/PID/map_files/START-END` (the mapped file itself, even when deleted
or replaced; readable by root). Local lookups still accept a candidate only
when its file ID matches.

Processes come and go between two reports, so what was seen is remembered
(bounded) after they exit; a PID is read again only after `rescan_s`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

_log = logging.getLogger(__name__)

PROC = Path("/proc")
DEFAULT_RESCAN_SECONDS = 30.0
DEFAULT_MAX_PATHS = 100_000


@dataclass(frozen=True, slots=True)
class MappedFile:
    """One way to reach a file some process had mapped."""

    path: Path
    pid: int

    def describe(self) -> str:
        return f"{self.path} (mapped by PID {self.pid})"


class ProcessMaps:
    """Base name -> files reported processes mapped; thread-safe."""

    def __init__(
        self,
        proc: Path = PROC,
        rescan_s: float = DEFAULT_RESCAN_SECONDS,
        max_paths: int = DEFAULT_MAX_PATHS,
    ) -> None:
        self._proc = proc
        self._rescan_s = rescan_s
        self._max_paths = max_paths
        self._lock = threading.Lock()
        self._scanned: dict[int, float] = {}
        self._by_name: OrderedDict[str, OrderedDict[Path, MappedFile]] = OrderedDict()
        self._paths = 0

    def observe(self, pids: Iterable[int]) -> set[str]:
        """Read the maps of each PID not read within `rescan_s` (gone ones are skipped).

        Returns the base names that gained a path not known before: a file
        that was looked for in vain may be found under one of them now.
        """
        now = time.monotonic()
        with self._lock:
            due = [
                pid
                for pid in dict.fromkeys(pids)
                if pid > 0 and now - self._scanned.get(pid, -self._rescan_s) >= self._rescan_s
            ]
            for pid in due:
                self._scanned[pid] = now
        fresh: set[str] = set()
        for pid in due:
            found = self._read(pid)
            with self._lock:
                for name, mapped in found:
                    # A path the process sees counts; its /proc aliases are new per PID.
                    if self._remember(name, mapped) and mapped.path.parts[1:2] != ("proc",):
                        fresh.add(name)
        return fresh

    def candidates(self, base_name: str) -> list[MappedFile]:
        """Files called `base_name` that some reported process mapped, most recent first."""
        with self._lock:
            known = self._by_name.get(base_name)
            return list(reversed(known.values())) if known else []

    def _read(self, pid: int) -> list[tuple[str, MappedFile]]:
        folder = self._proc / str(pid)
        try:
            text = (folder / "maps").read_text(encoding="utf-8", errors="surrogateescape")
        except OSError as error:
            _log.debug("process maps: cannot read %s/maps: %s", folder, error)
            return []
        found: list[tuple[str, MappedFile]] = []
        seen: set[str] = set()
        for row in text.splitlines():
            parts = row.split(maxsplit=5)
            if len(parts) < 6 or not parts[5].startswith("/"):
                continue
            address_range, path = parts[0], parts[5].removesuffix(" (deleted)")
            name = PurePosixPath(path).name
            if path in seen:  # further segments of a file already listed
                continue
            seen.add(path)
            found.append((name, MappedFile(Path(path), pid)))
            found.append((name, MappedFile(folder / "root" / path.lstrip("/"), pid)))
            found.append((name, MappedFile(folder / "map_files" / address_range, pid)))
        return found

    def _remember(self, name: str, mapped: MappedFile) -> bool:
        """Newest last; the oldest names go first once `max_paths` are known.

        Returns whether the path was not known yet."""
        known = self._by_name.setdefault(name, OrderedDict())
        self._by_name.move_to_end(name)
        if mapped.path in known:
            known.move_to_end(mapped.path)
            known[mapped.path] = mapped
            return False
        known[mapped.path] = mapped
        self._paths += 1
        while self._paths > self._max_paths and self._by_name:
            _, dropped = self._by_name.popitem(last=False)
            self._paths -= len(dropped)
        return True
