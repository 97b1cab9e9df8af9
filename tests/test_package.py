"""Release packaging: the PyInstaller spec, the macOS and Linux desktop metadata, the bundle.

The spec runs here with stand-ins for the build steps PyInstaller provides
(Analysis, EXE, BUNDLE, ...), which record what the spec asks them to
build; the real build on Linux is the slow test at the end, which runs
`scripts/package --check`.
"""

from __future__ import annotations

import configparser
import platform
import plistlib
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

import devfiler
from devfiler.cli import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "scripts" / "devfiler.spec"
RESOURCES = ROOT / "resources"
STEPS = ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")


@dataclass
class Step:
    """One build step the spec asked for: its name and arguments."""

    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    pure: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    binaries: list[str] = field(default_factory=list)
    datas: list[str] = field(default_factory=list)


def run_spec(platform: str, workpath: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Step]:
    """Execute the spec as PyInstaller would on `platform`; the steps it asked for, by name.

    A second executable (the one-file build) is recorded as "EXE 2".
    """
    asked: dict[str, Step] = {}

    def recorder(name: str) -> Any:
        def step(*args: Any, **kwargs: Any) -> Step:
            key = name if name not in asked else f"{name} 2"
            assert key not in asked, f"{name} asked for three times"
            asked[key] = Step(name, args, kwargs)
            return asked[key]

        return step

    namespace: dict[str, Any] = {name: recorder(name) for name in STEPS}
    namespace |= {"SPECPATH": str(SPEC.parent), "workpath": str(workpath), "__name__": "__main__"}
    monkeypatch.setattr(sys, "platform", platform)
    exec(compile(SPEC.read_text(), str(SPEC), "exec"), namespace)
    return asked


@pytest.fixture
def mac_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Step]:
    return run_spec("darwin", tmp_path, monkeypatch)


@pytest.fixture
def linux_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Step]:
    return run_spec("linux", tmp_path, monkeypatch)


def info_plist() -> dict[str, Any]:
    loaded: dict[str, Any] = plistlib.loads((RESOURCES / "Info.plist").read_bytes())
    return loaded


def test_linux_build_is_one_folder_named_devfiler_without_an_app(
    linux_build: dict[str, Step],
) -> None:
    assert set(linux_build) == {"Analysis", "PYZ", "EXE", "COLLECT", "EXE 2"}
    assert linux_build["EXE"].kwargs["name"] == "devfiler"
    assert linux_build["EXE"].kwargs["exclude_binaries"] is True
    assert linux_build["EXE"].kwargs["console"] is True
    assert linux_build["COLLECT"].kwargs["name"] == "devfiler"
    assert linux_build["COLLECT"].args[0] is linux_build["EXE"]


def test_linux_build_also_makes_one_file_holding_everything(
    linux_build: dict[str, Step],
) -> None:
    """The one-file executable carries the same program, libraries and data as the folder."""
    analysis, single = linux_build["Analysis"], linux_build["EXE 2"]
    wanted = (linux_build["PYZ"], analysis.scripts, analysis.binaries, analysis.datas)
    assert len(single.args) >= len(wanted)
    assert all(given is part for given, part in zip(single.args, wanted, strict=False))
    assert "exclude_binaries" not in single.kwargs
    assert single.kwargs["console"] is True
    # Not "devfiler": that name is the one-folder bundle's directory in dist/.
    assert single.kwargs["name"] == "devfiler-onefile"


def test_mac_build_makes_no_one_file_executable(mac_build: dict[str, Step]) -> None:
    assert "EXE 2" not in mac_build


def test_entry_script_is_python_dash_m_devfiler(linux_build: dict[str, Step]) -> None:
    (script,) = linux_build["Analysis"].args[0]
    assert Path(script) == ROOT / "devfiler" / "__main__.py"


def test_modules_imported_by_name_are_hidden_imports(linux_build: dict[str, Step]) -> None:
    hidden = set(linux_build["Analysis"].kwargs["hiddenimports"])
    assert {command.__name__ for command in COMMANDS} | {"devfiler.commands.gui"} <= hidden
    # The collector builds its descriptors from these at run time.
    assert {
        "opentelemetry.proto.profiles.v1development.profiles_pb2",
        "opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2",
        "opentelemetry.proto.common.v1.common_pb2",
        "opentelemetry.proto.resource.v1.resource_pb2",
    } <= hidden


def test_bundle_data_is_every_resource_importlib_resources_finds(
    linux_build: dict[str, Step],
) -> None:
    """What the app can load from the package in a checkout, it can load in the bundle."""
    datas = linux_build["Analysis"].kwargs["datas"]
    assert {destination for _, destination in datas} == {"devfiler/resources"}
    bundled = {Path(source).name for source, _ in datas}
    package = files("devfiler.resources")
    loadable = {
        entry.name
        for entry in package.iterdir()
        if entry.is_file() and not entry.name.endswith((".py", ".pyc"))
    }
    assert bundled == loadable
    assert {"add_data.txt", "unwind_errors.json", "icon.png"} <= bundled
    for source, _ in datas:
        assert Path(source).read_bytes() == package.joinpath(Path(source).name).read_bytes()


def test_mac_build_wraps_the_folder_in_devfiler_app(mac_build: dict[str, Step]) -> None:
    app = mac_build["BUNDLE"]
    assert app.args == (mac_build["COLLECT"],)
    assert app.kwargs["name"] == "devfiler.app"
    assert app.kwargs["bundle_identifier"] == info_plist()["CFBundleIdentifier"]
    assert app.kwargs["version"] == devfiler.__version__
    assert app.kwargs["info_plist"] == info_plist()
    # A windowed app: no terminal opens beside it.
    assert mac_build["EXE"].kwargs["console"] is False


def test_mac_icon_is_an_icns_holding_the_app_icon(mac_build: dict[str, Step]) -> None:
    icns = Path(mac_build["BUNDLE"].kwargs["icon"]).read_bytes()
    png = (RESOURCES / "icon.png").read_bytes()
    magic, total = struct.unpack(">4sI", icns[:8])
    assert magic == b"icns"
    assert total == len(icns)
    kind, length = struct.unpack(">4sI", icns[8:16])
    width = struct.unpack(">I", png[16:20])[0]
    assert kind == {64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09"}[width]
    assert length == 8 + len(png)
    assert icns[16:] == png


def test_info_plist_names_an_app_that_runs_devfiler() -> None:
    info = info_plist()
    assert info["CFBundleExecutable"] == "devfiler"
    assert info["CFBundleName"] == "devfiler"
    assert info["CFBundlePackageType"] == "APPL"
    assert info["CFBundleIdentifier"].count(".") >= 2
    assert info["NSHighResolutionCapable"] is True
    assert info["LSApplicationCategoryType"] == "public.app-category.developer-tools"
    assert tuple(int(part) for part in info["LSMinimumSystemVersion"].split(".")) >= (11, 0)
    # The version comes from the package at build time, never from a copy here.
    assert "CFBundleShortVersionString" not in info
    assert "CFBundleVersion" not in info


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    parser.read_string((RESOURCES / "devfiler.desktop").read_text(encoding="utf-8"))
    assert parser.sections() == ["Desktop Entry"]
    return parser["Desktop Entry"]


def test_desktop_entry_starts_the_window_with_the_icon() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "devfiler"
    assert entry["Exec"].split()[0] == "devfiler"
    assert entry["Terminal"] == "false"
    # The tarball and the package-data install the icon as devfiler.png.
    assert entry["Icon"] == "devfiler"
    categories = entry["Categories"]
    assert categories.endswith(";")
    assert "Development" in categories.split(";")


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="desktop-file-validate is not installed (apt-get install desktop-file-utils)",
)
def test_desktop_entry_passes_desktop_file_validate() -> None:
    done = subprocess.run(
        ["desktop-file-validate", str(RESOURCES / "devfiler.desktop")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout + done.stderr == ""


@pytest.mark.slow
def test_package_check_builds_and_smoke_tests_the_bundle() -> None:
    done = subprocess.run(
        [str(ROOT / "scripts" / "package"), "--check"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = done.stdout
    assert f"ok: --version prints 'devfiler {devfiler.__version__}'" in report
    assert "ok: collector stopped on SIGTERM with exit code 0" in report
    assert "ok: query stats reads the" in report
    assert "ok: the bundle holds the" in report
    if sys.platform == "linux":
        assert f"dist/devfiler-{devfiler.__version__}-linux-" in report
        single = (
            f"== smoke checks of dist/devfiler-{devfiler.__version__}-linux-{platform.machine()}\n"
        )
        assert single in report
        assert report.count("bundle smoke checks passed") == 2
        assert report.index(single) < report.rindex("bundle smoke checks passed")
    if shutil.which("Xvfb"):
        assert "ok: the window saved a" in report
    assert report.rstrip().endswith("bundle smoke checks passed")
