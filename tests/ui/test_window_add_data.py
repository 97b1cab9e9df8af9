"""The "Add data" window and empty views in the real window under X."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devfiler.cli import main as devfiler_main
from devfiler.ui.empty_views import NOTHING
from tests.ui.conftest import FilledStore
from tests.ui.test_window import open_window
from tests.ui.test_window_tabs import _free_port

pytestmark = pytest.mark.gui


def test_add_data_opens_on_an_empty_store_and_closes_when_samples_arrive(
    tmp_path: Path,
) -> None:
    port = _free_port()
    empty = FilledStore(tmp_path / "data", 0, 0)
    with open_window(empty, tmp_path, "--listen", f"127.0.0.1:{port}") as window:
        opened: Any = window.state()
        assert opened["add_data"] is True
        assert opened["flamegraph"]["empty"] == NOTHING
        status = devfiler_main(
            ["loadgen", "--target", f"127.0.0.1:{port}", "--fast", "--duration", "5"]
        )
        assert status == 0
        window.wait_for(lambda s: s["add_data"] is False, "Add data closed by the first samples")
        filled: Any = window.wait_for(
            lambda s: s["flamegraph"]["total"] > 0 and s["settled"], "samples drawn"
        )
        assert filled["flamegraph"]["empty"] == ""
