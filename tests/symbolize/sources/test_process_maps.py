"""Libraries a reported process loads from folders no loader search knows are found
through /proc/PID/maps, while the process runs and after it exits."""

from __future__ import annotations

import argparse
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from devfiler.collector.server import Collector
from devfiler.commands.symbol_args import auto_symbols_from_args, follow_collector
from devfiler.config import data_paths
from devfiler.model import Executable, FileId
from devfiler.storage.store import Store
from devfiler.symbolize.formats.fileid import file_id_of_path
from devfiler.symbolize.sources.local_source import LocalSource
from devfiler.symbolize.sources.process_maps import ProcessMaps
from devfiler.symbolize.sources.source import Result
from devfiler.symbolize.store.symbol_store import SymbolState, SymbolStore
from tests.collector.described_requests import Bare, Module, SentStack, described_request
from tests.collector.test_frame_identity import send
from tests.symbolize.programs_build import function_address
from tests.symbolize.symbol_servers import wait_for

_LIBRARY = "int __attribute__((noinline)) odd_work(int x) { return x * 7 + 1; }\n"
_PROGRAM = """
#include <unistd.h>
int odd_work(int x);
int main(void) { volatile int v = odd_work(3); (void)v; pause(); return 0; }
"""
LIBRARY_NAME = "libodd_place.so"


@dataclass(frozen=True, slots=True)
class Running:
    library: Path
    process: subprocess.Popen[bytes]

    @property
    def executable(self) -> Executable:
        return Executable(file_id_of_path(self.library), LIBRARY_NAME)


def _build(gcc: str, folder: Path) -> tuple[Path, Path]:
    """A library in a folder of its own and a program linked to it without RPATH."""
    unusual = folder / "opt" / "vendor" / "weird-libs"
    unusual.mkdir(parents=True)
    (folder / "lib.c").write_text(_LIBRARY)
    (folder / "main.c").write_text(_PROGRAM)
    library = unusual / LIBRARY_NAME
    subprocess.run(
        [gcc, "-O0", "-g", "-shared", "-fPIC", "-Wl,--build-id", "-o", str(library), "lib.c"],
        cwd=folder,
        check=True,
    )
    program = folder / "uses_odd"
    subprocess.run(
        [gcc, "-O0", "-o", str(program), str(folder / "main.c"), f"-L{unusual}", "-lodd_place"],
        check=True,
    )
    return library, program


@pytest.fixture
def running(gcc: str, tmp_path: Path) -> Iterator[Running]:
    if not Path("/proc/self/maps").exists():
        pytest.skip("no /proc on this system")
    library, program = _build(gcc, tmp_path / "build")
    process = subprocess.Popen(
        [str(program)], env={"LD_LIBRARY_PATH": str(library.parent)}, stdin=subprocess.DEVNULL
    )
    try:
        maps = Path(f"/proc/{process.pid}/maps")
        wait_for(lambda: LIBRARY_NAME in maps.read_text(), "the program maps its library", 10)
        yield Running(library, process)
    finally:
        process.kill()
        process.wait()


def test_a_library_outside_every_loader_folder_is_found_through_the_process_maps(
    running: Running, tmp_path: Path
) -> None:
    store = SymbolStore(tmp_path / "symbols")
    exe = running.executable
    blind = LocalSource().attempt(store, exe, [], cancel=_never())
    assert blind.result is Result.NOT_FOUND
    processes = ProcessMaps()
    processes.observe([running.process.pid])
    attempt = LocalSource(processes=processes).attempt(store, exe, [], cancel=_never())
    assert attempt.result is Result.SYMBOLIZED, attempt.describe()
    assert f"mapped by PID {running.process.pid}" in attempt.describe()
    address = function_address(running.library, "odd_work")
    assert [
        line.function for line in store.lookup(exe.file_id, np.array([address], np.uint64))[0]
    ] == ["odd_work"]


def test_paths_seen_while_a_process_ran_are_used_after_it_exits(
    running: Running, tmp_path: Path
) -> None:
    processes = ProcessMaps()
    processes.observe([running.process.pid])
    running.process.kill()
    running.process.wait()
    store = SymbolStore(tmp_path / "symbols")
    attempt = LocalSource(processes=processes).attempt(
        store, running.executable, [], cancel=_never()
    )
    assert attempt.result is Result.SYMBOLIZED, attempt.describe()
    assert str(running.library) in attempt.describe()


def test_a_library_of_another_build_under_the_same_name_is_not_taken(
    running: Running, tmp_path: Path
) -> None:
    processes = ProcessMaps()
    processes.observe([running.process.pid])
    other = Executable(FileId(0x0DD), LIBRARY_NAME)
    attempt = LocalSource(processes=processes).attempt(
        SymbolStore(tmp_path / "symbols"), other, [], cancel=_never()
    )
    assert attempt.result is Result.NOT_FOUND


def test_the_collector_symbolizes_a_reported_process_library_unasked(
    running: Running, tmp_path: Path
) -> None:
    """A request from the running PID naming the library by base name, through real gRPC."""
    paths = data_paths(tmp_path / "data")
    exe = running.executable
    request = described_request(
        [SentStack((Bare(Module(LIBRARY_NAME, exe.file_id), 0x1139),), "uses_odd")],
        time.time_ns(),
        seed=5,
        pid=running.process.pid,
    )
    with Store.open(paths) as store:
        collector = Collector(store)
        collector.start("127.0.0.1:0")
        worker = auto_symbols_from_args(argparse.Namespace(), paths, store.executables)
        assert worker is not None
        follow_collector(collector, worker)
        worker.start()
        try:
            send(collector.port, [request])
            symbols = SymbolStore(paths.symbols)
            status = wait_for(
                lambda: symbols.status(exe.file_id).state is SymbolState.SYMBOLIZED or None,
                "the library is symbolized",
                30,
            )
            assert status
        finally:
            worker.stop()
            collector.stop(grace=5)


def test_a_library_given_up_on_is_tried_again_once_a_process_maps_it(
    running: Running, tmp_path: Path
) -> None:
    """First reported by a process that does not map it (no symbols), then by one that does."""
    paths = data_paths(tmp_path / "data")
    exe = running.executable
    stacks = [SentStack((Bare(Module(LIBRARY_NAME, exe.file_id), 0x1139),), "uses_odd")]
    with Store.open(paths) as store:
        collector = Collector(store)
        collector.start("127.0.0.1:0")
        worker = auto_symbols_from_args(argparse.Namespace(), paths, store.executables)
        assert worker is not None
        follow_collector(collector, worker)
        worker.start()
        symbols = SymbolStore(paths.symbols)
        try:
            send(
                collector.port, [described_request(stacks, time.time_ns(), seed=6, pid=os.getpid())]
            )
            wait_for(
                lambda: symbols.status(exe.file_id).state is SymbolState.NO_SYMBOLS or None,
                "the library is given up on",
                30,
            )
            pid = running.process.pid
            send(collector.port, [described_request(stacks, time.time_ns(), seed=7, pid=pid)])
            wait_for(
                lambda: symbols.status(exe.file_id).state is SymbolState.SYMBOLIZED or None,
                "the library is symbolized after all",
                30,
            )
        finally:
            worker.stop()
            collector.stop(grace=5)


def _never() -> threading.Event:
    return threading.Event()
