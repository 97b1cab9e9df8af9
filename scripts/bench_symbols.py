#!/usr/bin/env python3
"""Benchmark of symbol ingest and lookup, with addr2line on the same addresses.

Usage: scripts/bench_symbols.py [ELF] [--addresses N] [--pyelftools]
Default ELF: the running interpreter's libpython shared library. Prints
figures for BENCHMARKS.md; it never fails on time.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import numpy as np

from devfiler.symbolize.formats.extract import extract
from devfiler.symbolize.formats.ranges import RangeTable
from devfiler.symbolize.formats.symbfile_ranges import read_symbfile, write_symbfile
from devfiler.symbolize.store.ingest import ingest_file
from devfiler.symbolize.store.symbol_file import SymbolFile
from devfiler.symbolize.store.symbol_store import SymbolStore


def default_library() -> Path:
    folder = Path(sysconfig.get_config_var("LIBDIR") or "/usr/lib")
    name = sysconfig.get_config_var("INSTSONAME") or "libpython3.11.so.1.0"
    return folder / name


def probe_addresses(symbols: SymbolFile, count: int, seed: int = 7) -> np.ndarray:
    """Random addresses inside the functions (depth-0 ranges) of the file."""
    rng = np.random.default_rng(seed)
    starts, ends = symbols.function_ranges
    pick = rng.integers(0, len(starts), count)
    span = (ends[pick] - starts[pick]).astype(np.float64)
    return (starts[pick] + (rng.random(count) * span).astype(np.uint64)).astype(np.uint64)


def time_pyelftools(path: Path) -> float:
    """The straightforward walk: every DIE through pyelftools, line programs included."""
    from elftools.elf.elffile import ELFFile

    began = time.perf_counter()
    with open(path, "rb") as handle:
        dwarf = ELFFile(handle).get_dwarf_info()
        for unit in dwarf.iter_CUs():
            for die in unit.iter_DIEs():
                if die.tag in ("DW_TAG_subprogram", "DW_TAG_inlined_subroutine"):
                    die.attributes.get("DW_AT_low_pc")
            program = dwarf.line_program_for_CU(unit)
            if program is not None:
                program.get_entries()
    return time.perf_counter() - began


def time_symbfile(table: RangeTable, path: Path) -> None:
    """Write the table as a symbfile and read it back: what `symbols export` and a
    symbol endpoint's download cost, in CPU seconds (steadier under load) and wall."""
    wall, cpu = time.perf_counter(), time.process_time()
    write_symbfile(path, table)
    wrote = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    with open(path, "rb") as stream:
        again = read_symbfile(stream)
    read = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"symbfile ({path.stat().st_size / 1e6:.1f} MB zstd): "
        f"write {wrote[1]:.2f} s CPU ({wrote[0]:.2f} s wall), "
        f"read {read[1]:.2f} s CPU ({read[0]:.2f} s wall), {len(again)} ranges back"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("elf", nargs="?", type=Path, default=default_library())
    parser.add_argument("--addresses", type=int, default=200_000)
    parser.add_argument("--pyelftools", action="store_true", help="also time a plain walk")
    args = parser.parse_args()
    path: Path = args.elf
    print(f"machine: {platform.node()} {platform.machine()}, python {platform.python_version()}")
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB)")

    began = time.perf_counter()
    extracted = extract(path)
    extract_s = time.perf_counter() - began
    print(
        f"extract (DWARF + symtab + merge): {extract_s:.2f} s, {len(extracted.table)} ranges, "
        f"{extracted.table.function_count} functions, {len(extracted.table.line_addr)} line rows"
    )
    with tempfile.TemporaryDirectory() as folder:
        store = SymbolStore(Path(folder))
        began = time.perf_counter()
        outcome = ingest_file(store, path)
        ingest_s = time.perf_counter() - began
        print(f"ingest (extract + write file): {ingest_s:.2f} s -> {outcome.status}")
        time_symbfile(extracted.table, Path(folder) / "ranges.symbfile")
        symbols = store.symbol_file(extracted.file_id)
        assert symbols is not None
        addresses = probe_addresses(symbols, args.addresses)

        cold = SymbolFile(store.symbols_path(extracted.file_id))
        began = time.perf_counter()
        chains = cold.lookup(addresses)
        cold_s = time.perf_counter() - began
        began = time.perf_counter()
        cold.lookup(addresses)
        warm_s = time.perf_counter() - began
        frames = sum(len(c) for c in chains)
        print(
            f"lookup of {len(addresses)} addresses: first {len(addresses) / cold_s:,.0f}/s, "
            f"repeated {len(addresses) / warm_s:,.0f}/s ({frames / len(addresses):.2f} frames each)"
        )

    if shutil.which("addr2line"):
        text = "\n".join(f"{a:x}" for a in addresses.tolist())
        began = time.perf_counter()
        subprocess.run(
            ["addr2line", "-i", "-f", "-C", "-e", str(path)],
            input=text,
            capture_output=True,
            text=True,
            check=True,
        )
        a2l_s = time.perf_counter() - began
        print(
            f"addr2line -i -f -C on the same addresses: {a2l_s:.2f} s, "
            f"{len(addresses) / a2l_s:,.0f}/s (ratio ours first/addr2line "
            f"{(len(addresses) / cold_s) / (len(addresses) / a2l_s):.1f}x)"
        )
    if args.pyelftools:
        print(f"plain pyelftools walk of the same DWARF: {time_pyelftools(path):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
