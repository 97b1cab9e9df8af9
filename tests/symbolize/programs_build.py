"""Small C programs compiled per test, each with its own functions, and their addresses."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from devfiler.cli import main

_SOURCE = """
int __attribute__((noinline)) leaf_{name}(int x) {{ return x * {seed}; }}
int __attribute__((noinline)) work_{name}(int x) {{ return leaf_{name}(x) + 1; }}
int main(void) {{ return work_{name}(2); }}
"""


def compile_program(gcc: str, folder: Path, name: str, seed: int, *flags: str) -> Path:
    """A program whose functions are leaf_NAME and work_NAME (-O0, build ID)."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"{name}.c"
    source.write_text(_SOURCE.format(name=name, seed=seed))
    binary = folder / name
    subprocess.run(
        [gcc, "-O0", "-Wl,--build-id", *flags, "-o", str(binary), str(source)], check=True
    )
    return binary


def function_address(binary: Path, function: str) -> int:
    with binary.open("rb") as handle:
        symtab = ELFFile(handle).get_section_by_name(".symtab")
        assert symtab is not None, f"{binary} has no .symtab"
        for symbol in symtab.iter_symbols():
            if symbol.name == function:
                return int(symbol["st_value"])
    raise AssertionError(f"{function} not in {binary}")


def symbolize(
    capsys: pytest.CaptureFixture[str], data_dir: Path, file_id: str, address: int
) -> list[str]:
    """Function names (innermost first) that `devfiler symbolize` prints for an address."""
    capsys.readouterr()
    assert main(["symbolize", "--data-dir", str(data_dir), "--json", file_id, hex(address)]) == 0
    doc = json.loads(capsys.readouterr().out)
    return [frame["function"] for frame in doc[0]["frames"]]
