#!/usr/bin/env python3
"""Smoke checks of a built bundle, run the way a user would run it.

`scripts/package --check` calls this after building. The one-folder bundle,
the release tarball or the one-file executable is copied or unpacked to a
temporary folder and started with a bare environment (only PATH, HOME and
DISPLAY; no venv, no PYTHONPATH), so it can only work if it carries all it
needs. Checked: `devfiler --version`; `devfiler collector` on a loopback port
receives the bundle's own `devfiler loadgen` request, stores it and stops
cleanly on SIGTERM; `devfiler query stats` reads it back; and the window
saves a screenshot under Xvfb.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import devfiler

HANG_GUARD_S = 120
"""Longest wait for one step; only there so that a hung bundle fails instead of blocking."""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

DESKTOP_FILES = ("devfiler.desktop", "devfiler.png")
"""What the Linux tarball carries beside the app, for a desktop's menu."""


class SmokeCheckError(Exception):
    """One smoke check did not hold."""


class Bundle:
    """The copied bundle's executable, started with a bare environment."""

    def __init__(self, executable: Path, home: Path, display: str | None) -> None:
        self.executable = executable
        self.env = {"PATH": "/usr/bin:/bin", "HOME": str(home)}
        if display:
            self.env["DISPLAY"] = display

    def command(self, *args: str) -> list[str]:
        return [str(self.executable), *args]

    def run(self, *args: str) -> str:
        """Run to completion; its stdout, or SmokeCheckError with its output."""
        done = subprocess.run(
            self.command(*args),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=HANG_GUARD_S,
            check=False,
        )
        if done.returncode != 0:
            raise SmokeCheckError(
                f"`devfiler {' '.join(args)}` exited {done.returncode}:\n{done.stdout}{done.stderr}"
            )
        return done.stdout

    def start(self, log: Path, *args: str) -> subprocess.Popen[str]:
        """Start in the background; stdout is piped, stderr (the log) goes to `log`."""
        with log.open("w") as stderr:
            return subprocess.Popen(
                self.command(*args), env=self.env, stdout=subprocess.PIPE, stderr=stderr, text=True
            )


def check_resources(bundled: Callable[[str], bytes | None]) -> None:
    """The bundle holds every resource file the package has, byte for byte.

    The app reads them with importlib.resources.files("devfiler.resources"),
    which in the bundle looks in devfiler/resources/ under the folder
    PyInstaller unpacks to (`_internal/` of the one-folder bundle).
    """
    source = files("devfiler.resources")
    names = sorted(
        entry.name
        for entry in source.iterdir()
        if entry.is_file() and not entry.name.endswith((".py", ".pyc"))
    )
    differ = [name for name in names if bundled(name) != source.joinpath(name).read_bytes()]
    if differ:
        raise SmokeCheckError(f"resources missing or different in the bundle: {differ}")
    print(f"ok: the bundle holds the {len(names)} resource files: {', '.join(names)}")


def folder_resources(folder: Path) -> Callable[[str], bytes | None]:
    """A resource of the one-folder bundle by name; None when it is missing."""
    bundled = folder / "_internal" / "devfiler" / "resources"
    return lambda name: (bundled / name).read_bytes() if (bundled / name).is_file() else None


def single_file_resources(executable: Path) -> Callable[[str], bytes | None]:
    """A resource of the one-file executable by name, read from the archive it carries."""
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(executable))

    def read(name: str) -> bytes | None:
        entry = f"devfiler/resources/{name}"
        return bytes(archive.extract(entry)) if entry in archive.toc else None

    return read


def check_version(bundle: Bundle) -> None:
    printed = bundle.run("--version").strip()
    if printed != f"devfiler {devfiler.__version__}":
        raise SmokeCheckError(
            f"--version printed {printed!r}, expected devfiler {devfiler.__version__}"
        )
    print(f"ok: --version prints {printed!r}")


def listening_address(process: subprocess.Popen[str], log: Path) -> str:
    """The collector's first line on stdout names the address it bound."""
    assert process.stdout is not None
    line = process.stdout.readline()
    marker = "listening on "
    if marker not in line:
        process.wait(timeout=HANG_GUARD_S)
        raise SmokeCheckError(f"collector did not start: {line}{log.read_text()}")
    return line.split(marker, 1)[1].split(",", 1)[0]


def check_collector(bundle: Bundle, data_dir: Path, log: Path) -> None:
    collector = bundle.start(
        log, "collector", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir)
    )
    try:
        address = listening_address(collector, log)
        print(f"ok: collector listens on {address}")
        sent = bundle.run(
            "loadgen",
            "--target",
            address,
            "--fast",
            "--duration",
            "5",
            "--rate",
            "200",
            "--kinds",
            "on_cpu",
        )
        if not sent.startswith("1 requests, "):
            raise SmokeCheckError(f"loadgen did not send one request: {sent}")
        samples = int(sent.split(", ", 1)[1].split(" ", 1)[0])
        print(f"ok: loadgen sent {sent.strip()}")
        collector.send_signal(signal.SIGTERM)
        collector.communicate(timeout=HANG_GUARD_S)
        if collector.returncode != 0:
            raise SmokeCheckError(
                f"collector exited {collector.returncode} on SIGTERM:\n{log.read_text()}"
            )
        print("ok: collector stopped on SIGTERM with exit code 0")
    finally:
        if collector.poll() is None:
            collector.kill()
            collector.wait()
    stats = json.loads(bundle.run("query", "stats", "--json", "--data-dir", str(data_dir)))
    stored = sum(stats["events"].values())
    if stored != samples:
        raise SmokeCheckError(f"the store holds {stored} events after {samples} were sent: {stats}")
    print(f"ok: query stats reads the {stored} stored events back")


@contextmanager
def display() -> Iterator[str | None]:
    """The X display to use: $DISPLAY, else a private Xvfb, else None."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if shutil.which("Xvfb") is None:
        yield None
        return
    # Xvfb picks a free display number itself and writes it to the pipe once it
    # accepts clients, so it never lands on a display someone else runs.
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1500x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write_end,),
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end) as announced:
            number = announced.readline().strip()
        if not number:
            raise SmokeCheckError(f"Xvfb did not start (exit code {server.wait()})")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait()


def check_screenshot(bundle: Bundle, data_dir: Path, out: Path) -> None:
    bundle.run("--screenshot", str(out), "--data-dir", str(data_dir), "--listen", "127.0.0.1:0")
    head = out.read_bytes()[:24] if out.exists() else b""
    if not head.startswith(PNG_SIGNATURE):
        raise SmokeCheckError(f"--screenshot wrote no PNG at {out}")
    width = int.from_bytes(head[16:20], "big")
    height = int.from_bytes(head[20:24], "big")
    print(f"ok: the window saved a {width}x{height} screenshot")


@dataclass(frozen=True)
class Unpacked:
    """A private copy of the app: what to run and where its resources are read."""

    executable: Path
    resources: Callable[[str], bytes | None]


def unpack(artifact: Path, into: Path) -> Unpacked:
    """A private copy of the app: the bundle folder, the release tarball or the one-file executable.

    The tarball must hold one folder with the app and, for desktop
    integration, the .desktop file and icon at its top.
    """
    if artifact.is_dir():
        shutil.copytree(artifact, into / "devfiler", symlinks=True)
        return Unpacked(into / "devfiler" / "devfiler", folder_resources(into / "devfiler"))
    if not artifact.name.endswith(".tar.gz"):
        executable = into / "devfiler"
        shutil.copyfile(artifact, executable)
        executable.chmod(0o755)
        print(f"ok: {artifact.name} is one file of {artifact.stat().st_size / 2**20:.0f} MiB")
        return Unpacked(executable, single_file_resources(executable))
    with tarfile.open(artifact) as tar:
        tar.extractall(into, filter="tar")
    (folder,) = into.iterdir()
    missing = [n for n in DESKTOP_FILES if not (folder / n).is_file()]
    if missing:
        raise SmokeCheckError(f"{artifact.name} lacks {', '.join(missing)} beside the app")
    print(f"ok: {artifact.name} unpacks to {folder.name}/ with {', '.join(DESKTOP_FILES)}")
    return Unpacked(folder / "devfiler", folder_resources(folder))


def check(artifact: Path, screenshot_out: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="devfiler-bundle-") as tmp, display() as x_display:
        root = Path(tmp)
        (root / "app").mkdir()
        app = unpack(artifact, root / "app")
        home = root / "home"
        home.mkdir()
        check_resources(app.resources)
        bundle = Bundle(app.executable, home, x_display)
        data_dir = root / "data"
        check_version(bundle)
        check_collector(bundle, data_dir, root / "collector.log")
        if x_display is None:
            print("SKIPPED: GUI screenshot check: no DISPLAY and no Xvfb (apt-get install xvfb)")
            return
        out = screenshot_out or root / "screenshot.png"
        check_screenshot(bundle, data_dir, out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "artifact",
        type=Path,
        help="the bundle folder (dist/devfiler), the release tarball (dist/devfiler-*.tar.gz) "
        "or the one-file executable (dist/devfiler-*-linux-*)",
    )
    parser.add_argument("--screenshot", type=Path, help="keep the GUI screenshot here")
    args = parser.parse_args(argv)
    try:
        check(args.artifact.resolve(), args.screenshot)
    except (SmokeCheckError, subprocess.TimeoutExpired) as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    print("bundle smoke checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
