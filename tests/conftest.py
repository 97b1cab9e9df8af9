"""Suite-wide pytest setup: the `slow` and `gui` markers, and fixtures several folders use."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devfiler.collector.server import Collector
from devfiler.config import data_paths
from devfiler.storage.store import Store


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run_slow = os.environ.get("DEVFILER_SLOW") == "1" or "slow" in (config.option.markexpr or "")
    has_display = bool(os.environ.get("DISPLAY"))
    for item in items:
        if "slow" in item.keywords and not run_slow:
            item.add_marker(pytest.mark.skip(reason="slow: run with DEVFILER_SLOW=1 or -m slow"))
        if "gui" in item.keywords and not has_display:
            item.add_marker(
                pytest.mark.skip(reason="gui: no X display (install xvfb; scripts/test starts it)")
            )


@pytest.fixture(autouse=True)
def config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test (and the devfiler processes it starts) has its own empty config folder,
    so a saved ignore list of whoever runs the tests changes no result."""
    folder = tmp_path / "config"
    monkeypatch.setenv("DEVFILER_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def gcc() -> str:
    """Path of gcc; tests that compile ELF files skip with a reason when it is missing."""
    path = shutil.which("gcc")
    if path is None:
        pytest.skip("gcc is not installed")
    return path


@dataclass(frozen=True, slots=True)
class Certificate:
    """A self-signed certificate for localhost and 127.0.0.1, and its key (PEM files)."""

    cert: Path
    key: Path


@pytest.fixture
def self_signed(tmp_path: Path) -> Certificate:
    """Made with the openssl command line; tests that need it skip when it is missing."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (apt-get install openssl)")
    made = Certificate(tmp_path / "cert.pem", tmp_path / "key.pem")
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(made.key),
            "-out",
            str(made.cert),
        ],
        check=True,
        capture_output=True,
    )
    return made


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A real store in tmp_path."""
    with Store.open(data_paths(tmp_path / "data")) as opened:
        yield opened


@pytest.fixture
def collector(store: Store) -> Iterator[Collector]:
    """A real collector on a free loopback port, writing into `store`."""
    running = Collector(store)
    running.start("127.0.0.1:0")
    yield running
    running.stop(grace=5)
