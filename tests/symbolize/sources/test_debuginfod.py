"""debuginfod end to end: a real `debuginfod -F` over ELF files built here, the synthetic
agent reporting the stripped executables to a real collector, and the background worker
fetching debug info (or the executable) by GNU build ID."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from devfiler.config import DataPaths
from devfiler.loadgen.params import RealExecutable
from devfiler.model import Executable
from devfiler.storage.store import Store
from devfiler.symbolize.formats.elf_image import gnu_build_id_of
from devfiler.symbolize.formats.fileid import file_id_of_path
from devfiler.symbolize.sources.auto_symbols import AutoSymbols
from devfiler.symbolize.sources.debuginfod import DebuginfodSource, server_urls
from devfiler.symbolize.sources.source import Result
from devfiler.symbolize.sources.symbol_chain import SourceSettings, SymbolChain
from devfiler.symbolize.store.symbol_store import SymbolState, SymbolStore
from tests.symbolize.programs_build import compile_program, function_address, symbolize
from tests.symbolize.symbol_servers import debuginfod_server, report_executables, wait_for


def _split(binary: Path, served: Path) -> Path:
    """Serve the debug info apart from a stripped copy; returns the stripped copy."""
    objcopy = shutil.which("objcopy")
    if objcopy is None:
        pytest.skip("objcopy (binutils) is not installed")
    served.mkdir(parents=True, exist_ok=True)
    debug = served / f"{binary.name}.debug"
    stripped = served / binary.name
    subprocess.run([objcopy, "--only-keep-debug", str(binary), str(debug)], check=True)
    subprocess.run([objcopy, "--strip-all", str(binary), str(stripped)], check=True)
    return stripped


def test_server_urls_come_from_flags_then_the_environment() -> None:
    env = {"DEBUGINFOD_URLS": "https://a.example/  https://b.example https://c.example/"}
    assert server_urls(["https://c.example", "http://x"], env) == [
        "https://c.example",
        "http://x",
        "https://a.example",
        "https://b.example",
    ]
    assert server_urls([], {}) == []


def test_debuginfod_symbols_arrive_without_user_action(
    gcc: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built = tmp_path / "built"
    served = tmp_path / "served"
    split = _split(compile_program(gcc, built, "split", 3, "-g"), served)
    # Without -g the server has no debug file: the executable's symbol table is used.
    plain = compile_program(gcc, built, "plain", 5)
    shutil.copy(plain, served / "plain")
    orphan = compile_program(gcc, tmp_path / "unserved", "orphan", 7, "-g")
    split_build_id = gnu_build_id_of(split)
    client = DataPaths(tmp_path / "client")
    symbols = SymbolStore(client.symbols)
    programs = {"split": split, "plain": plain, "orphan": orphan}
    ids = {name: file_id_of_path(path) for name, path in programs.items()}
    unstripped = {"split": built / "split", "plain": plain, "orphan": orphan}
    reals = tuple(
        RealExecutable(path, (function_address(unstripped[name], f"work_{name}"),))
        for name, path in programs.items()
    )
    work = tmp_path / "debuginfod"
    work.mkdir()
    with debuginfod_server(served, work, split_build_id) as url, Store.open(client) as store:
        report_executables(store, reals)
        chain = SymbolChain.from_settings(
            symbols, client.downloads, SourceSettings(debuginfod_urls=(url,), local=False)
        )
        worker = AutoSymbols(chain, store.executables, poll_seconds=0.1)
        worker.start()
        try:
            expected = {
                "split": SymbolState.SYMBOLIZED,
                "plain": SymbolState.SYMBOLIZED,
                "orphan": SymbolState.NO_SYMBOLS,
            }
            wait_for(
                lambda: {n: symbols.status(ids[n]).state for n in programs} == expected,
                "split and plain symbolized from debuginfod, orphan without symbols",
            )
        finally:
            worker.stop()
    split_symbols = symbols.symbol_file(ids["split"])
    plain_symbols = symbols.symbol_file(ids["plain"])
    assert split_symbols is not None and plain_symbols is not None
    assert split_symbols.info.sources[:2] == (f"debuginfod {url} debuginfo", "dwarf")
    assert plain_symbols.info.sources[0] == f"debuginfod {url} executable"
    assert (client.downloads / "debuginfod" / split_build_id / "debuginfo").is_file()
    split_address = function_address(built / "split", "work_split")
    assert symbolize(capsys, client.root, ids["split"].hex(), split_address) == ["work_split"]
    plain_address = function_address(built / "plain", "leaf_plain")
    assert symbolize(capsys, client.root, ids["plain"].hex(), plain_address) == ["leaf_plain"]


def test_a_file_with_another_build_id_is_refused(gcc: str, tmp_path: Path) -> None:
    """A server answering with the wrong file gives an error status, not wrong symbols."""
    served = tmp_path / "served"
    good = compile_program(gcc, served, "good", 2, "-g")
    other = compile_program(gcc, tmp_path / "other", "other", 9, "-g")
    build_id = gnu_build_id_of(good)
    downloads = tmp_path / "downloads"
    # A poisoned cache entry stands in for a hostile answer under this build ID.
    poisoned = downloads / "debuginfod" / build_id / "debuginfo"
    poisoned.parent.mkdir(parents=True)
    shutil.copy(other, poisoned)
    source = DebuginfodSource("http://127.0.0.1:9", downloads)
    store = SymbolStore(tmp_path / "symbols")
    executable = Executable(file_id_of_path(good), "good", build_id)
    attempt = source.attempt(store, executable, [], threading.Event())
    assert attempt.result is Result.ERROR
    assert "has build ID" in attempt.message
    assert not poisoned.exists()
    assert not store.has_symbols(executable.file_id)
