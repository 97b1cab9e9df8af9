"""HTTP GET for symbol servers: streamed to disk, capped in size and time, cancellable.

Every way a fetch can go wrong ends in one of three exceptions, so callers can
turn it into a symbol status: NotFoundError (the server does not have it: 404/410,
or another 4xx), TemporaryFetchError (worth retrying later: timeouts, refused
connections, 5xx, 429, a body cut short, the caller cancelling) and
FetchError itself for permanent problems (a body over the size cap). A
response is only ever visible at its final path once complete.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path

from devfiler import __version__

USER_AGENT = f"devfiler/{__version__}"
_CHUNK = 1 << 16
_RETRYABLE_CLIENT_STATUSES = frozenset({408, 425, 429})


class FetchError(Exception):
    """A fetch failed for good; the message names the URL."""


class NotFoundError(FetchError):
    """The server answered that it does not have the resource."""


class TemporaryFetchError(FetchError):
    """A failure that may go away: retry later."""


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Bounds on one fetch: bytes accepted, seconds per network wait and in total."""

    max_bytes: int = 4 << 30
    timeout_s: float = 30.0
    total_s: float = 1800.0


def fetch_bytes(url: str, limits: FetchLimits, cancel: threading.Event | None = None) -> bytes:
    """A small response held in memory (metadata documents)."""
    parts: list[bytes] = []
    _stream(url, limits, cancel, parts.append)
    return b"".join(parts)


def fetch_to_file(
    url: str, destination: Path, limits: FetchLimits, cancel: threading.Event | None = None
) -> Path:
    """Stream the response into `destination` (temp file + rename)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            _stream(url, limits, cancel, out.write)
        os.replace(temp, destination)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return destination


def _stream(
    url: str,
    limits: FetchLimits,
    cancel: threading.Event | None,
    write: Callable[[bytes], object],
) -> None:
    deadline = time.monotonic() + limits.total_s
    try:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=limits.timeout_s) as response:
            declared = response.headers.get("Content-Length")
            expected = int(declared) if declared and declared.isdigit() else None
            if expected is not None and expected > limits.max_bytes:
                raise FetchError(f"{url}: {expected} bytes is over the {limits.max_bytes} cap")
            received = 0
            while True:
                if cancel is not None and cancel.is_set():
                    raise TemporaryFetchError(f"{url}: cancelled")
                if time.monotonic() > deadline:
                    raise TemporaryFetchError(f"{url}: took longer than {limits.total_s:.0f} s")
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                received += len(chunk)
                if received > limits.max_bytes:
                    raise FetchError(f"{url}: more than the {limits.max_bytes} byte cap")
                write(chunk)
            if expected is not None and received != expected:
                raise TemporaryFetchError(f"{url}: got {received} of {expected} bytes")
    except urllib.error.HTTPError as error:
        raise _status_error(url, error.code) from None
    except urllib.error.URLError as error:
        raise TemporaryFetchError(f"{url}: {error.reason}") from None
    except TimeoutError as error:
        raise TemporaryFetchError(f"{url}: timed out ({error})") from None
    except (HTTPException, OSError) as error:
        raise TemporaryFetchError(f"{url}: {type(error).__name__}: {error}") from None
    except ValueError as error:
        raise FetchError(f"{url}: {error}") from None


def _status_error(url: str, code: int) -> FetchError:
    if code in (404, 410):
        return NotFoundError(f"{url}: not found ({code})")
    if code >= 500 or code in _RETRYABLE_CLIENT_STATUSES:
        return TemporaryFetchError(f"{url}: server answered {code}")
    return NotFoundError(f"{url}: refused ({code})")
