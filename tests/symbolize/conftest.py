"""Programs compiled at test time (once per session) and the addr2line comparison."""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from devfiler.cli import main

PROGRAMS = Path(__file__).parent / "programs"
RUSTC_CANDIDATES = ("rustc", str(Path.home() / ".cargo" / "bin" / "rustc"))


def _tool(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("programs")


@pytest.fixture(scope="session")
def c_program(build_dir: Path) -> Path:
    """C with static and inline functions, calling into a shared library."""
    gcc = _tool("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed")
    lib = build_dir / "libdemo.so"
    subprocess.run(
        [gcc, "-O2", "-g", "-shared", "-fPIC", "-o", lib, PROGRAMS / "lib.c"], check=True
    )
    exe = build_dir / "inline"
    subprocess.run(
        [gcc, "-O2", "-g", "-o", exe, PROGRAMS / "inline.c", f"-L{build_dir}", "-ldemo"],
        check=True,
    )
    return exe


@pytest.fixture(scope="session")
def shared_library(c_program: Path) -> Path:
    return c_program.parent / "libdemo.so"


@pytest.fixture(scope="session")
def cpp_program(build_dir: Path) -> Path:
    gxx = _tool("g++")
    if gxx is None:
        pytest.skip("g++ is not installed")
    exe = build_dir / "templates"
    subprocess.run([gxx, "-O2", "-g", "-o", exe, PROGRAMS / "templates.cpp"], check=True)
    return exe


@pytest.fixture(scope="session")
def rust_program(build_dir: Path) -> Path:
    rustc = _tool(*RUSTC_CANDIDATES)
    if rustc is None:
        pytest.skip("rustc is not installed (rustup.rs)")
    exe = build_dir / "hello_rs"
    subprocess.run([rustc, "-g", "-O", "-o", exe, PROGRAMS / "hello.rs"], check=True)
    return exe


def _go_build(build_dir: Path, name: str, *flags: str) -> Path:
    go = _tool("go")
    if go is None:
        pytest.skip("go is not installed (apt-get install golang-go)")
    exe = build_dir / name
    env = {
        "GOCACHE": str(build_dir / "gocache"),
        "GOPATH": str(build_dir / "gopath"),
        "HOME": str(build_dir),
        "GOFLAGS": "-mod=mod",
        "GO111MODULE": "off",
        "PATH": str(Path(go).parent),
    }
    subprocess.run([go, "build", *flags, "-o", exe, PROGRAMS / "hello.go"], check=True, env=env)
    return exe


@pytest.fixture(scope="session")
def go_program(build_dir: Path) -> Path:
    return _go_build(build_dir, "hello_go")


@pytest.fixture(scope="session")
def go_program_without_dwarf(build_dir: Path) -> Path:
    """Linked with -w: only .gopclntab and the symbol table are left."""
    return _go_build(build_dir, "hello_go_nodwarf", "-ldflags=-w")


Frame = tuple[str, str, int]


@dataclass(frozen=True)
class Comparison:
    addresses: list[int]
    ours: list[list[Frame]]
    theirs: list[list[Frame]]
    symbol_names: list[str]
    """Demangled name of the symbol-table symbol containing each address ("" if none)."""

    def mismatches(self) -> list[tuple[int, list[Frame], list[Frame]]]:
        return [
            (a, o, t)
            for a, o, t, s in zip(
                self.addresses, self.ours, self.theirs, self.symbol_names, strict=True
            )
            if not _same_chain(o, t, s)
        ]

    def agreement(self) -> float:
        return 1 - len(self.mismatches()) / max(len(self.addresses), 1)


def _same_chain(ours: list[Frame], theirs: list[Frame], symbol: str) -> bool:
    """Equal, up to the differences explained in test_addr2line_agreement.py."""
    if len(ours) != len(theirs):
        return False
    for level, ((o_func, o_file, o_line), (t_func, t_file, t_line)) in enumerate(
        zip(ours, theirs, strict=True)
    ):
        if o_func != t_func and symbol not in (o_func, t_func):
            return False
        if o_line != t_line:
            return False
        if o_line == 0 and o_file == "??":
            continue  # no line row: binutils names the compile unit instead
        if level == 0 and Path(t_file).parent == PROGRAMS and Path(o_file).parent != PROGRAMS:
            continue  # binutils' DWARF 5 default-file quirk names the unit's main file
        if posixpath.normpath(o_file) != posixpath.normpath(t_file):
            return False
    return True


def symbols_containing(binary: Path, addresses: list[int]) -> list[str]:
    """For each address, the demangled name of the sized function symbol containing it."""
    out = subprocess.run(
        ["nm", "-C", "--defined-only", "-S", str(binary)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    symbols = []
    for line in out.splitlines():
        parts = line.split(maxsplit=3)
        if len(parts) == 4 and parts[2] in "tTwWiu" and int(parts[1], 16) > 0:
            symbols.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    names = []
    for address in addresses:
        found = [name for start, size, name in symbols if start <= address < start + size]
        names.append(found[0] if found else "")
    return names


def function_probe_addresses(binary: Path) -> list[int]:
    """Start and middle of every sized function in the symbol table (nm, not our reader)."""
    out = subprocess.run(
        ["nm", "--defined-only", "-S", str(binary)], check=True, capture_output=True, text=True
    ).stdout
    addresses: set[int] = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTwW" and int(parts[1], 16) > 0:
            start, size = int(parts[0], 16), int(parts[1], 16)
            addresses.update((start, start + size // 2))
    return sorted(addresses)


_DISCRIMINATOR = re.compile(r" \(discriminator \d+\)$")
_ADDRESS = re.compile(r"0x[0-9a-f]+")


def addr2line(binary: Path, addresses: list[int]) -> list[list[Frame]]:
    """addr2line -i -f -C, innermost first, discriminators dropped (we do not show them)."""
    out = subprocess.run(
        ["addr2line", "-a", "-i", "-f", "-C", "-e", str(binary)] + [f"{a:x}" for a in addresses],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    groups: list[list[str]] = []
    for text in out:
        if _ADDRESS.fullmatch(text):
            groups.append([])
        else:
            groups[-1].append(text)
    result = []
    for group in groups:
        frames = []
        for function, place in zip(group[0::2], group[1::2], strict=True):
            file, _, line = _DISCRIMINATOR.sub("", place).rpartition(":")
            if function == "??" and file == "??":
                continue
            frames.append((function, file, int(line) if line.isdigit() else 0))
        result.append(frames)
    return result


def devfiler_symbolize(
    binary: Path, addresses: list[int], data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> list[list[Frame]]:
    capsys.readouterr()
    code = main(
        ["symbolize", "--json", "--data-dir", str(data_dir), str(binary)]
        + [f"{a:#x}" for a in addresses]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    return [
        [(f["function"] or "??", f["file"] or "??", f["line"]) for f in item["frames"]]
        for item in doc
    ]


def compare(binary: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> Comparison:
    addresses = function_probe_addresses(binary)
    assert addresses, f"{binary} has no sized functions"
    return Comparison(
        addresses,
        devfiler_symbolize(binary, addresses, data_dir, capsys),
        addr2line(binary, addresses),
        symbols_containing(binary, addresses),
    )
