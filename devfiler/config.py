"""Where devfiler keeps its data, and the defaults that several layers share."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

SCHEMA_VERSION = 3
"""Bumped on any incompatible change of the on-disk layout; older data stays untouched.

2: frames the agent described are identified by their content (identity.py),
   and every distinct frame of a stored trace has a row in `frames`.
3: traces are numbered in the store (`trace_numbers`), `traces` is keyed by number and
   event blocks hold trace numbers instead of hashes.
"""

DEFAULT_LISTEN = "127.0.0.1:11000"
"""Loopback only: anyone who can reach the port can write into the store. Agents on other
hosts come through an SSH tunnel, or devfiler listens on all interfaces when asked to
(`--listen 0.0.0.0:11000`)."""
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""The agent allows itself 32 MiB messages; accept twice that."""

REQUEST_LOG_SIZE = 100

DEFAULT_RETENTION = "7d"
DEFAULT_MAX_DISK = "10GiB"
"""The store's bounds unless --retention / --max-disk say otherwise (storage/retention.py)."""


@dataclass(frozen=True, slots=True)
class DataPaths:
    """The folders of one devfiler data directory."""

    root: Path

    @property
    def db(self) -> Path:
        """The RocksDB database (events, traces, frames, executables, contexts)."""
        return self.root / "db"

    @property
    def symbols(self) -> Path:
        """Per-executable symbol files, written by any process, read by all."""
        return self.root / "symbols"

    @property
    def downloads(self) -> Path:
        """Debug files fetched from symbol servers, kept so they are fetched once."""
        return self.root / "downloads"


def default_data_dir() -> Path:
    """The user cache dir, one folder per schema version."""
    override = os.environ.get("DEVFILER_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("devfiler")) / f"v{SCHEMA_VERSION}"


def config_dir() -> Path:
    """The user config folder (settings that hold for every data folder, like the ignore list)."""
    override = os.environ.get("DEVFILER_CONFIG_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir("devfiler"))


def data_paths(data_dir: str | Path | None) -> DataPaths:
    """Resolve `--data-dir` (or the default) into the folders devfiler uses."""
    return DataPaths(Path(data_dir) if data_dir else default_data_dir())
