"""speedscope export: the document's shape, and speedscope's own app reading it in Chromium."""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from devfiler.analysis.flamegraph import flamegraph
from devfiler.analysis.results import Selection
from devfiler.analysis.topfunctions import top_functions
from devfiler.export.formats import FORMATS
from devfiler.export.speedscope_writer import SCHEMA
from devfiler.model import SampleKind
from tests.export.profiles import named_store, symbols

SPEEDSCOPE_VERSION = "1.25.0"


def export(tmp_path: Path, selection: Selection) -> tuple[Any, dict[str, int]]:
    """The document and the flamegraph's weight per thread."""
    store = named_store(tmp_path / "data")
    try:
        data = FORMATS["speedscope"].render(store, selection, symbols())
        graph = flamegraph(store, selection, symbols())
    finally:
        store.close()
    return json.loads(data), {node.label: node.weight for node in graph.root.children}


def test_one_sampled_profile_per_thread_weighed_like_the_flamegraph(tmp_path: Path) -> None:
    document, threads = export(tmp_path, Selection())
    assert document["$schema"] == SCHEMA
    frames = document["shared"]["frames"]
    assert {"name": "helper", "file": "helper.h", "line": 3} in frames
    profiles = document["profiles"]
    assert {p["name"]: p["endValue"] for p in profiles} == threads
    for profile in profiles:
        assert profile["type"] == "sampled"
        assert profile["unit"] == "none"
        assert sum(profile["weights"]) == profile["endValue"]
        assert len(profile["samples"]) == len(profile["weights"])
    names = [[frames[i]["name"] for i in stack] for stack in profiles[0]["samples"]]
    assert ["main", "work", "helper", "memcpy"] in names


def test_off_cpu_weighs_nanoseconds(tmp_path: Path) -> None:
    document, threads = export(tmp_path, Selection(kinds=frozenset({SampleKind.OFF_CPU})))
    assert {p["unit"] for p in document["profiles"]} == {"nanoseconds"}
    assert {p["name"]: p["endValue"] for p in document["profiles"]} == threads


def speedscope_app() -> Path:
    """speedscope's release build, from the npm package installed globally."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: speedscope's own app is needed")
    root = subprocess.run(
        [npm, "root", "-g"], capture_output=True, text=True, timeout=60, check=True
    )
    index = Path(root.stdout.strip()) / "speedscope" / "dist" / "release" / "index.html"
    if not index.exists():
        pytest.skip(f"speedscope is not installed (npm install -g speedscope@{SPEEDSCOPE_VERSION})")
    return index


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium is not installed (apt-get install chromium)")


_THREAD_ROW = re.compile(
    r'<tr title="([^"]*)"[^>]*><td[^>]*>\d+</td><td[^>]*><span>[^<]*</span></td><td[^>]*>(\d+)</td>'
)
_FUNCTION_ROW = re.compile(
    r"<td[^>]*>(\d+) \([^)]*\)<div.*?</td><td[^>]*>(\d+) \([^)]*\)<div.*?</td>"
    r'<td title="[^"]*"[^>]*><span[^>]*></span>([^<]*)</td>'
)


def test_speedscope_reads_the_file(tmp_path: Path) -> None:
    """The app's profile list shows every thread's total; its sandwich table the first
    thread's functions with the totals and self weights devfiler's top functions give."""
    index, browser = speedscope_app(), chromium()
    store = named_store(tmp_path / "data")
    try:
        data = FORMATS["speedscope"].render(store, Selection(), symbols())
        first = json.loads(data)["profiles"][0]["name"]
        top = top_functions(store, Selection(include=(("thread", first),)), symbols())
    finally:
        store.close()
    loader = tmp_path / "load.js"
    encoded = base64.b64encode(data).decode()
    loader.write_text(f"speedscope.loadFileFromBase64('devfiler.json', {json.dumps(encoded)})")
    url = f"{index.as_uri()}#localProfilePath={loader}&view=sandwich"
    dom = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--virtual-time-budget=5000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    _, threads = export(tmp_path / "again", Selection())
    shown = {html.unescape(name): int(total) for name, total in _THREAD_ROW.findall(dom)}
    assert shown == threads
    rows = {
        html.unescape(name): (int(total), int(own))
        for total, own, name in _FUNCTION_ROW.findall(dom)
    }
    unique = {"main", "helper", "memcpy", "handler"}
    expected = {
        i.function: (i.total_weight, i.self_weight) for i in top.items if i.function in unique
    }
    assert {name: rows[name] for name in expected} == expected
