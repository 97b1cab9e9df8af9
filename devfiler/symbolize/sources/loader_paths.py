"""Where the dynamic loader finds libraries on this machine: ld.so.cache, standard
directories, and an executable's own RUNPATH/RPATH.

The agent often reports a library by its base name only; these are the places
local_source.py looks for a file of that name (accepting it only if its file ID
matches). The cache is read directly (glibc's "glibc-ld.so.cache1.1" layout)
rather than through `ldconfig -p`, which is not on every PATH and costs a process.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from devfiler.symbolize.formats.elf_image import ElfImage
from devfiler.symbolize.formats.errors import SymbolError

LD_SO_CACHE = Path("/etc/ld.so.cache")
_NEW_MAGIC = b"glibc-ld.so.cache1.1"
_OLD_MAGIC = b"ld.so-1.7.0"
_HEADER = struct.Struct("<20sII")
_ENTRY_SIZE = 24
_NEW_HEADER_SIZE = 48

STANDARD_LIBRARY_DIRS: tuple[Path, ...] = tuple(
    Path(d)
    for d in (
        "/lib",
        "/usr/lib",
        "/lib64",
        "/usr/lib64",
        "/usr/local/lib",
        f"/lib/{os.uname().machine}-linux-gnu",
        f"/usr/lib/{os.uname().machine}-linux-gnu",
    )
)
STANDARD_PROGRAM_DIRS: tuple[Path, ...] = tuple(
    Path(d) for d in ("/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/sbin")
)


@dataclass(frozen=True, slots=True)
class LoaderCache:
    """Library name -> paths as ld.so.cache lists them, and the directories they are in."""

    libraries: dict[str, tuple[Path, ...]]
    directories: tuple[Path, ...]

    def paths_of(self, name: str) -> tuple[Path, ...]:
        return self.libraries.get(name, ())


def read_loader_cache(path: Path = LD_SO_CACHE) -> LoaderCache:
    """The parsed cache; empty when it is missing or in a layout we do not read."""
    try:
        data = path.read_bytes()
    except OSError:
        return LoaderCache({}, ())
    return parse_loader_cache(data)


def parse_loader_cache(data: bytes) -> LoaderCache:
    base = data.find(_NEW_MAGIC) if data.startswith(_OLD_MAGIC) else 0
    if base < 0 or not data.startswith(_NEW_MAGIC, base) or len(data) < base + _HEADER.size:
        return LoaderCache({}, ())
    _, count, _ = _HEADER.unpack_from(data, base)
    libraries: dict[str, list[Path]] = {}
    first = base + _NEW_HEADER_SIZE
    for index in range(count):
        at = first + index * _ENTRY_SIZE
        if at + _ENTRY_SIZE > len(data):
            break
        _, key, value = struct.unpack_from("<iII", data, at)
        name, target = _c_string(data, base + key), _c_string(data, base + value)
        if name and target:
            libraries.setdefault(name, []).append(Path(target))
    directories = dict.fromkeys(p.parent for paths in libraries.values() for p in paths)
    return LoaderCache({k: tuple(v) for k, v in libraries.items()}, tuple(directories))


def _c_string(data: bytes, offset: int) -> str:
    if not 0 <= offset < len(data):
        return ""
    end = data.find(b"\0", offset)
    return data[offset : end if end >= 0 else len(data)].decode("utf-8", "surrogateescape")


def runpath_dirs(path: Path) -> tuple[Path, ...]:
    """Directories in the file's DT_RUNPATH (else DT_RPATH), with $ORIGIN expanded; entries
    with other substitutions ($LIB, $PLATFORM) are left out."""
    try:
        with ElfImage(path) as image:
            dynamic = image.elf.get_section_by_name(".dynamic")
            if dynamic is None or not hasattr(dynamic, "iter_tags"):
                return ()
            runpath = rpath = ""
            for tag in dynamic.iter_tags():
                if tag.entry.d_tag == "DT_RUNPATH":
                    runpath = str(tag.runpath)
                elif tag.entry.d_tag == "DT_RPATH":
                    rpath = str(tag.rpath)
    except (SymbolError, OSError, ValueError, KeyError, AttributeError):
        return ()
    origin = str(path.parent)
    result = []
    for entry in (runpath or rpath).split(":"):
        expanded = entry.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
        if expanded and "$" not in expanded:
            result.append(Path(expanded))
    return tuple(result)
