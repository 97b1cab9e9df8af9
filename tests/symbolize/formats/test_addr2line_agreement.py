"""`devfiler symbolize` against `addr2line -i -f -C` on every function's start and middle.

Known, explained differences. These are normalized before comparing
(conftest._same_chain):
- addr2line prints "(discriminator N)" after some lines; we do not show
  discriminators, so they are stripped.
- When DWARF gives a function only a plain name (no linkage name: template
  instantiations, Go, C clones), binutils replaces the *innermost* frame's
  name with the symbol-table symbol that contains the address, even when that
  frame is inlined (so it names the outer function twice); we keep DWARF's
  name for inlined frames and use the symbol's name only for the function
  itself. A name equal to the containing symbol's is accepted on either side.
- Where no line row covers an address binutils prints the compile unit's name
  as the file; we print no file.
- File paths are compared after normalization ("././x" and "./x").
- binutils 2.40 reads DWARF 5 line programs that start with the default file
  register (1) as if files were numbered from 1, naming the unit's main file
  where the line table (and readelf) names a header; we follow the line table.
  For the leaf frame, their file being the test program's own source while
  ours is a header (same line) is accepted.
What remains counts against the 99% bar.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.symbolize.conftest import Comparison, compare


def _check(comparison: Comparison, minimum: float = 0.99) -> None:
    bad = comparison.mismatches()
    detail = "\n".join(f"{a:#x}\n  ours   {o}\n  theirs {t}" for a, o, t in bad[:20])
    assert comparison.agreement() >= minimum, (
        f"{len(bad)} of {len(comparison.addresses)} addresses differ:\n{detail}"
    )


def test_c_program_with_inlining(
    c_program: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    comparison = compare(c_program, tmp_path, capsys)
    _check(comparison)
    chains = [o for o in comparison.ours if len(o) > 1]
    assert chains, "expected inlined frames in an -O2 build"
    assert any(frame[0] == "square" for chain in chains for frame in chain)


def test_shared_library(
    shared_library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    comparison = compare(shared_library, tmp_path, capsys)
    _check(comparison)
    assert any(chain and chain[-1][0] == "lib_entry" for chain in comparison.ours)


def test_cpp_templates_and_namespaces(
    cpp_program: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    comparison = compare(cpp_program, tmp_path, capsys)
    _check(comparison)
    names = {frame[0] for chain in comparison.ours for frame in chain}
    assert "shapes::Counter::bump(int)" in names
    assert any("shapes::Box<double>" in name for name in names), "template instances"


def test_rust_program(
    rust_program: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    comparison = compare(rust_program, tmp_path, capsys)
    _check(comparison)
    names = {frame[0] for chain in comparison.ours for frame in chain}
    assert "hello::crunch" in names
    assert not any(re.search(r"::h[0-9a-f]{16}$", name) for name in names)


def test_go_program(go_program: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    comparison = compare(go_program, tmp_path, capsys)
    _check(comparison)
    names = {frame[0] for chain in comparison.ours for frame in chain}
    assert "main.crunch" in names
