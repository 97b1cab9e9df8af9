"""The wheel ships every package and the resources, as pyproject.toml lists them."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "devfiler").rglob("__init__.py")
    }
    assert on_disk - listed == set()
    assert "devfiler.resources" in listed


def test_resources_load_through_the_package() -> None:
    text = files("devfiler.resources").joinpath("unwind_errors.json").read_text()
    assert '"stack_length_exceeded"' in text
