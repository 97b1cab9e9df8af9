"""Symbols from debuginfod servers, by GNU build ID.

`GET URL/buildid/HEX/debuginfo` is the separate debug file, `.../executable`
the executable (asked for only when the server has no debug file). Downloads
stay in the downloads folder under the build ID, so a build ID is fetched
once however many servers or runs ask for it. A downloaded file is ingested
only if it is an ELF file with the requested build ID: a wrong or hostile
answer ends as an error status, not as wrong symbols.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from devfiler.model import Executable
from devfiler.symbolize.formats.elf_image import gnu_build_id_of
from devfiler.symbolize.sources.http_fetch import (
    FetchError,
    NotFoundError,
    TemporaryFetchError,
    fetch_to_file,
)
from devfiler.symbolize.sources.source import Attempt, RemoteSource, Result, attempt_of_ingest
from devfiler.symbolize.store.ingest import ingest_file
from devfiler.symbolize.store.symbol_store import SymbolStore

KINDS = ("debuginfo", "executable")
_BUILD_ID = re.compile(r"[0-9a-f]{2,128}")


def server_urls(flags: Sequence[str], environ: Mapping[str, str] = os.environ) -> list[str]:
    """`--debuginfod` URLs first, then those of DEBUGINFOD_URLS (space-separated), each once."""
    urls = [*flags, *environ.get("DEBUGINFOD_URLS", "").split()]
    return list(dict.fromkeys(u.rstrip("/") for u in urls if u.strip()))


class DebuginfodSource(RemoteSource):
    """One debuginfod server."""

    label = "debuginfod"
    folder = "debuginfod"

    def attempt(
        self,
        store: SymbolStore,
        executable: Executable,
        known: Sequence[Executable],
        cancel: threading.Event,
    ) -> Attempt:
        build_id = executable.gnu_build_id.lower()
        if not build_id:
            return Attempt(self.name, Result.NOT_FOUND, "no GNU build ID reported")
        if not _BUILD_ID.fullmatch(build_id):
            return Attempt(self.name, Result.NOT_FOUND, f"unusable GNU build ID {build_id!r}")
        misses = []
        for kind in KINDS:
            try:
                path = self._download(build_id, kind, cancel)
            except NotFoundError as error:
                misses.append(str(error))
                continue
            except TemporaryFetchError as error:
                return Attempt(self.name, Result.TEMPORARY, str(error))
            except FetchError as error:
                return Attempt(self.name, Result.ERROR, str(error))
            found = gnu_build_id_of(path)
            if found != build_id:
                path.unlink(missing_ok=True)
                return Attempt(
                    self.name,
                    Result.ERROR,
                    f"{kind} of {build_id} has build ID {found or 'none'} (not an ELF file?)",
                )
            outcome = ingest_file(
                store,
                path,
                debug_roots=(),
                file_id=executable.file_id,
                file_name=executable.file_name or path.name,
                origin=f"{self.name} {kind}",
            )
            attempt = attempt_of_ingest(f"{self.name} ({kind})", outcome)
            if attempt.result is not Result.NOT_FOUND:
                return attempt
            misses.append(attempt.message)
        return Attempt(self.name, Result.NOT_FOUND, "; ".join(misses))

    def _download(self, build_id: str, kind: str, cancel: threading.Event) -> Path:
        cached = self.downloads / build_id / kind
        if cached.is_file():
            return cached
        url = f"{self.url}/buildid/{build_id}/{kind}"
        return fetch_to_file(url, cached, self.limits, cancel)
