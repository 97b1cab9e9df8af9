"""Symbols from a symbol endpoint (`--symb-endpoint URL`), the original's symbol service.

Per file ID (ES form E): `URL/E[0:2]/E[2:4]/E/metadata.json` names the file that
holds the debug info (dwarfFileID D, or null for "no symbols"), and
`URL/D[0:2]/D[2:4]/D/ranges` is that file's zstd-compressed symbfile. The
download streams into the downloads folder and is dropped once converted
into the symbol store. `publish` lays out the same tree on disk, so one
devfiler (or a test) can serve symbols to another with any static web server.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

from devfiler.model import Executable, FileId
from devfiler.symbolize.formats.ranges import RangeTable
from devfiler.symbolize.formats.symbfile import SymbfileError, SymbfileTruncatedError
from devfiler.symbolize.formats.symbfile_ranges import read_symbfile, write_symbfile
from devfiler.symbolize.sources.http_fetch import (
    FetchError,
    FetchLimits,
    NotFoundError,
    TemporaryFetchError,
    fetch_bytes,
    fetch_to_file,
)
from devfiler.symbolize.sources.source import Attempt, RemoteSource, Result
from devfiler.symbolize.store.symbol_file import SymbolFileInfo
from devfiler.symbolize.store.symbol_store import SymbolStore

METADATA_LIMITS = FetchLimits(max_bytes=1 << 20, timeout_s=30.0, total_s=60.0)


def tree_path(file_id: FileId) -> str:
    """`E[0:2]/E[2:4]/E` for a file ID's ES form E."""
    es = file_id.es()
    return f"{es[:2]}/{es[2:4]}/{es}"


def publish(root: Path, file_id: FileId, table: RangeTable) -> Path:
    """Write metadata.json and ranges for `file_id` under `root`; returns its folder."""
    folder = root / tree_path(file_id)
    write_symbfile(folder / "ranges", table)
    metadata = {"version": 1, "symbolFileReferences": {"dwarfFileID": file_id.es()}}
    (folder / "metadata.json").write_text(json.dumps(metadata))
    return folder


class SymbEndpointSource(RemoteSource):
    """Fetches symbfile ranges from one endpoint and stores them under the executable's ID."""

    label = "symbol endpoint"
    folder = "symbfiles"

    def attempt(
        self,
        store: SymbolStore,
        executable: Executable,
        known: Sequence[Executable],
        cancel: threading.Event,
    ) -> Attempt:
        try:
            dwarf_id = self._dwarf_file_id(executable.file_id, cancel)
            if dwarf_id is None:
                return Attempt(self.name, Result.NOT_FOUND, "no symbols for this file")
            table = self._ranges(dwarf_id, cancel)
        except NotFoundError as error:
            return Attempt(self.name, Result.NOT_FOUND, str(error))
        except TemporaryFetchError as error:
            return Attempt(self.name, Result.TEMPORARY, str(error))
        except SymbfileTruncatedError as error:
            return Attempt(self.name, Result.TEMPORARY, f"ranges: {error}")
        except (FetchError, SymbfileError) as error:
            return Attempt(self.name, Result.ERROR, str(error))
        if not len(table):
            return Attempt(self.name, Result.NOT_FOUND, "the symbol file has no ranges")
        info = SymbolFileInfo(
            file_id=executable.file_id.hex(),
            file_name=executable.file_name,
            gnu_build_id=executable.gnu_build_id,
            go_build_id=executable.go_build_id,
            functions=table.function_count,
            ranges=len(table),
            sources=(self.name, "symbfile"),
        )
        store.write_symbols(info, table)
        return Attempt(self.name, Result.SYMBOLIZED, symbols=info.functions)

    def _dwarf_file_id(self, file_id: FileId, cancel: threading.Event) -> FileId | None:
        url = f"{self.url}/{tree_path(file_id)}/metadata.json"
        raw = fetch_bytes(url, METADATA_LIMITS, cancel)
        try:
            doc = json.loads(raw)
            reference = doc["symbolFileReferences"]["dwarfFileID"]
        except (ValueError, KeyError, TypeError) as error:
            raise FetchError(f"{url}: not a metadata document ({error!r})") from None
        if reference is None:
            return None
        try:
            return FileId.parse(str(reference))
        except ValueError:
            raise FetchError(f"{url}: dwarfFileID {reference!r} is not a file ID") from None

    def _ranges(self, dwarf_id: FileId, cancel: threading.Event) -> RangeTable:
        """Streamed to disk (bounded memory), read, then dropped: the symbol store keeps
        the result."""
        download = self.downloads / f"{dwarf_id.hex()}.{threading.get_ident()}.symbfile"
        try:
            fetch_to_file(f"{self.url}/{tree_path(dwarf_id)}/ranges", download, self.limits, cancel)
            with open(download, "rb") as stream:
                return read_symbfile(stream)
        finally:
            download.unlink(missing_ok=True)
