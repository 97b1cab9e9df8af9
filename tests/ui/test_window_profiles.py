"""Profiles in and out of the real window: Open profile..., Export..., saving agent requests."""

from __future__ import annotations

import gzip
import socket
import time
from pathlib import Path

import pytest

from devfiler.cli import main as devfiler_main
from devfiler.config import data_paths
from devfiler.export.importing import import_file
from devfiler.export.pprof_messages import Profile
from devfiler.storage.store import Store
from tests.analysis.stores import SECOND, T0
from tests.export.profiles import named_store
from tests.ui.conftest import FilledStore
from tests.ui.test_window import Window, open_window

pytestmark = pytest.mark.gui


def own_store(tmp_path: Path) -> FilledStore:
    """A store of its own: what the window imports must not reach other tests' store."""
    named_store(tmp_path / "data").close()
    return FilledStore(tmp_path / "data", T0, T0 + 6 * SECOND)


def fill_dialog(window: Window, rect: object, name: str | None) -> None:
    """Type `name` into the open dialog's name field (None keeps what it holds), then OK."""
    dx, dy, _, dh = rect  # type: ignore[misc]
    if name is not None:
        # The name field sits above the OK button at the dialog's bottom left.
        window.click(dx + 150, dy + dh - 44)
        time.sleep(0.5)
        window.xdotool("key", "End")
        window.xdotool("key", "--repeat", "40", "--delay", "30", "BackSpace")
        window.xdotool("type", "--delay", "40", name)
        time.sleep(0.5)
    window.click(dx + 20, dy + dh - 18)


def test_open_a_profile_then_export_the_view(tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "stacks.txt").write_text("main;entry;work 3\nworker;entry 2\n")
    filled = own_store(tmp_path)
    with open_window(filled, tmp_path, *filled.range_args(), cwd=folder) as window:
        drawn = window.wait_for(lambda s: s["open_at"], "Open profile button drawn")
        x, y = drawn["open_at"]  # type: ignore[misc]
        window.click(x + 20, y + 8)
        opened = window.wait_for(lambda s: s["open_dialog"], "open dialog on screen")
        fill_dialog(window, opened["open_dialog"], "stacks.txt")
        shown = window.wait_for(
            lambda s: s["opened"] and s["settled"] and s["flamegraph"]["total"] == 5,
            "imported stacks shown",
        )
        assert shown["opened"] == "Opened 1 file (5 events)"
        assert shown["following"] is None
        export_at = shown["flamegraph"]["export_at"]  # type: ignore[index]
        window.click(export_at[0] + 20, export_at[1] + 8)
        dialog = window.wait_for(lambda s: s["flamegraph"]["export_dialog"], "export dialog")
        fill_dialog(window, dialog["flamegraph"]["export_dialog"], "view.pb.gz")  # type: ignore[index]
        done = window.wait_for(lambda s: s["flamegraph"]["exported"], "export written")
        target = folder / "view.pb.gz"
        assert done["flamegraph"]["exported"].startswith(f"Exported pprof to {target}")  # type: ignore[index]
    profile = Profile.FromString(gzip.decompress(target.read_bytes()))
    names = {profile.string_table[f.name] for f in profile.function}
    assert sum(sample.value[0] for sample in profile.sample) == 5
    assert {"entry", "work"} <= names


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_grpc_tab_saves_requests_that_import_back(tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()
    filled = own_store(tmp_path)
    port = _free_port()
    args = ("--listen", f"127.0.0.1:{port}", "--dev-mode", "--tab", "grpc")
    with open_window(filled, tmp_path, *filled.range_args(), *args, cwd=folder) as window:
        target = f"127.0.0.1:{port}"
        assert devfiler_main(["loadgen", "--target", target, "--fast", "--duration", "6"]) == 0
        listed = window.wait_for(
            lambda s: s["grpc"]["requests"] >= 3 and s["grpc"]["first_row_at"], "requests"
        )
        requests = listed["grpc"]["requests"]  # type: ignore[index]
        rx, ry = listed["grpc"]["first_row_at"]  # type: ignore[index]
        window.click(rx + 240, ry + 7)
        chosen = window.wait_for(lambda s: s["grpc"]["tree_for"] is not None, "selected")
        selected = chosen["grpc"]["selected"]  # type: ignore[index]
        sx, sy = chosen["grpc"]["save_at"]  # type: ignore[index]
        window.click(sx + 20, sy + 8)
        dialog = window.wait_for(lambda s: s["grpc"]["save_dialog"], "save dialog")
        fill_dialog(window, dialog["grpc"]["save_dialog"], None)  # type: ignore[index]
        one = folder / f"request-{selected}.binpb"
        window.wait_for(lambda s: s["grpc"]["saved"] == f"Saved the request to {one}", "saved")
        ax, ay = chosen["grpc"]["save_all_at"]  # type: ignore[index]
        window.click(ax + 20, ay + 8)
        dialog = window.wait_for(lambda s: s["grpc"]["save_dialog"], "folder dialog")
        fill_dialog(window, dialog["grpc"]["save_dialog"], None)  # type: ignore[index]
        saved = window.wait_for(
            lambda s: str(s["grpc"]["saved"]).endswith(f" requests into {folder}"), "all saved"
        )
    every = sorted(folder.glob("request-0*.binpb"))
    assert saved["grpc"]["saved"] == f"Saved {len(every)} requests into {folder}"  # type: ignore[index]
    assert len(every) >= requests
    with Store.open(data_paths(tmp_path / "again")) as again:
        imported = import_file(again, one)
        assert imported.format == "OTLP request" and imported.events > 0
        assert sum(import_file(again, path).events for path in every) > imported.events


def test_differential_flamegraph_against_a_pinned_baseline(tmp_path: Path) -> None:
    """Pin everything as the baseline, then keep one thread: its share grew.

    The store's events are from 2023: without `--retention off` the window's
    retention pass would delete them as older than the default week.
    """
    filled = own_store(tmp_path)
    with open_window(filled, tmp_path, *filled.range_args(), "--retention", "off") as window:
        before = window.wait_for(lambda s: s["flamegraph"]["baseline_at"], "baseline button")
        everything = before["flamegraph"]["total"]  # type: ignore[index]
        bx, by = before["flamegraph"]["baseline_at"]  # type: ignore[index]
        window.click(bx + 20, by + 8)
        pinned = window.wait_for(
            lambda s: (
                s["flamegraph"]["baseline"] == [filled.start_ns, filled.end_ns] and s["settled"]
            ),
            "baseline pinned",
        )
        assert pinned["flamegraph"]["diff_grew"] == []  # type: ignore[index]
        vx, vy = pinned["filters"]["value_at"]  # type: ignore[index]
        window.click(vx + 20, vy + 8)
        window.xdotool("type", "--delay", "40", "main")
        ix, iy = pinned["filters"]["include_at"]  # type: ignore[index]
        window.click(ix + 10, iy + 8)
        narrowed = window.wait_for(
            lambda s: s["filters"]["chips"] and s["settled"], "compared with one thread"
        )
        grew = narrowed["flamegraph"]["diff_grew"]  # type: ignore[index]
        assert grew and grew[0] == "main"
        assert 0 < narrowed["flamegraph"]["total"] < everything  # type: ignore[index]
        window.click(bx + 20, by + 8)
        cleared = window.wait_for(
            lambda s: s["flamegraph"]["baseline"] is None and s["settled"], "baseline cleared"
        )
        assert cleared["flamegraph"]["diff_grew"] == []  # type: ignore[index]
