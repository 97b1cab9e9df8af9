"""Symbols from this machine's files: binaries that exist here symbolized with no user
action, libraries found by base name where the loader looks, file IDs checked, debug
files preferred."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from devfiler.cli import main
from devfiler.config import DataPaths
from devfiler.loadgen.params import RealExecutable
from devfiler.model import Executable, FileId
from devfiler.storage.store import Store
from devfiler.symbolize.formats.elf_image import gnu_build_id_of
from devfiler.symbolize.formats.fileid import file_id_of_path
from devfiler.symbolize.sources.auto_symbols import AutoSymbols
from devfiler.symbolize.sources.loader_paths import (
    LoaderCache,
    parse_loader_cache,
    read_loader_cache,
)
from devfiler.symbolize.sources.local_source import LocalSource
from devfiler.symbolize.sources.source import Result
from devfiler.symbolize.sources.symbol_chain import SourceSettings, SymbolChain
from devfiler.symbolize.store.symbol_store import SymbolState, SymbolStore
from tests.symbolize.programs_build import compile_program, function_address, symbolize
from tests.symbolize.symbol_servers import report_executables, wait_for

LS = Path("/usr/bin/ls")


def _dynamic_function(path: Path, *names: str) -> tuple[str, int]:
    """The first of `names` that `path` defines in .dynsym, with its address."""
    with path.open("rb") as handle:
        dynsym = ELFFile(handle).get_section_by_name(".dynsym")
        defined = {
            s.name: int(s["st_value"])
            for s in dynsym.iter_symbols()
            if s["st_info"]["type"] == "STT_FUNC" and s["st_shndx"] != "SHN_UNDEF"
        }
    for name in names:
        if name in defined:
            return name, defined[name]
    pytest.skip(f"{path} defines none of {names}")


def _libc() -> Path:
    for path in read_loader_cache().paths_of("libc.so.6"):
        if path.is_file():
            return path
    pytest.skip("no libc.so.6 in /etc/ld.so.cache")


def test_binaries_on_this_machine_are_symbolized_unasked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not LS.is_file():
        pytest.skip(f"{LS} does not exist")
    libc = _libc()
    ls_name, ls_address = _dynamic_function(LS, "_obstack_begin", "_obstack_free")
    libc_name, libc_address = _dynamic_function(libc, "malloc")
    paths = DataPaths(tmp_path / "data")
    symbols = SymbolStore(paths.symbols)
    reals = (RealExecutable(LS, (ls_address,)), RealExecutable(libc, (libc_address,)))
    with Store.open(paths) as store:
        report_executables(store, reals)
        # The synthetic host also reports a "libc.so.6" with a made-up file ID: the
        # library of that name here is another file and must not be taken for it.
        impostor = next(
            e
            for e in store.executables()
            if e.file_name == "libc.so.6" and e.file_id != file_id_of_path(libc)
        )
        chain = SymbolChain.from_settings(symbols, paths.downloads, SourceSettings())
        worker = AutoSymbols(chain, store.executables, poll_seconds=0.1)
        worker.start()
        try:
            wait_for(
                lambda: (
                    all(
                        symbols.status(file_id_of_path(p)).state is SymbolState.SYMBOLIZED
                        for p in (LS, libc)
                    )
                    and symbols.status(impostor.file_id).state is SymbolState.NO_SYMBOLS
                ),
                "ls and libc symbolized from local files, the impostor not",
            )
        finally:
            worker.stop()
    ls_symbols = symbols.symbol_file(file_id_of_path(LS))
    assert ls_symbols is not None and ls_symbols.info.sources[0] == f"local {LS}"
    assert symbolize(capsys, paths.root, file_id_of_path(LS).hex(), ls_address) == [ls_name]
    libc_chain = symbolize(capsys, paths.root, file_id_of_path(libc).hex(), libc_address)
    assert libc_name in libc_chain[-1]


def test_a_library_reported_by_base_name_is_found_where_the_loader_looks() -> None:
    libc = _libc()
    source = LocalSource()
    reported = Executable(file_id_of_path(libc), "libc.so.6")
    assert source.find(reported, []) is not None
    wrong = Executable(FileId(12345), "libc.so.6")
    assert source.find(wrong, []) is None


def test_loader_cache_agrees_with_ldconfig() -> None:
    ldconfig = shutil.which("ldconfig") or shutil.which("/sbin/ldconfig")
    if ldconfig is None:
        pytest.skip("ldconfig is not installed")
    listed = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, check=True).stdout
    expected = {
        line.split(" => ")[1].strip()
        for line in listed.splitlines()
        if " => " in line and "libc.so.6" in line.split(" => ")[0]
    }
    cache = read_loader_cache()
    assert expected
    assert {str(p) for p in cache.paths_of("libc.so.6")} == expected
    assert parse_loader_cache(b"not a cache") == LoaderCache({}, ())


def test_runpath_and_symbols_dir_find_a_library_and_prefer_its_debug_file(
    gcc: str, tmp_path: Path
) -> None:
    objcopy = shutil.which("objcopy")
    if objcopy is None:
        pytest.skip("objcopy (binutils) is not installed")
    libdir = tmp_path / "app" / "private"
    libdir.mkdir(parents=True)
    source = tmp_path / "lib.c"
    source.write_text("int __attribute__((noinline)) private_work(int x) { return x + 41; }\n")
    library = libdir / "libprivate.so"
    subprocess.run(
        [gcc, "-g", "-O0", "-shared", "-fPIC", "-Wl,--build-id", "-o", library, source],
        check=True,
    )
    # The debug info moves to a separate file, linked by .gnu_debuglink.
    subprocess.run([objcopy, "--only-keep-debug", library, f"{library}.debug"], check=True)
    subprocess.run([objcopy, "--strip-debug", library], check=True)
    subprocess.run(
        [objcopy, f"--add-gnu-debuglink={library}.debug", library], check=True, cwd=libdir
    )
    main_c = tmp_path / "main.c"
    main_c.write_text("int private_work(int);\nint main(void) { return private_work(1); }\n")
    app = tmp_path / "app" / "app"
    subprocess.run(
        [gcc, "-o", app, main_c, f"-L{libdir}", "-lprivate", "-Wl,-rpath,$ORIGIN/private"],
        check=True,
    )
    reported_lib = Executable(file_id_of_path(library), "libprivate.so", gnu_build_id_of(library))
    main_exe = Executable(file_id_of_path(app), "app", path=str(app))
    store = SymbolStore(tmp_path / "symbols")
    # Without the main executable's RUNPATH the library is nowhere the loader looks.
    assert LocalSource().find(reported_lib, []) is None
    attempt = LocalSource().attempt(store, reported_lib, [main_exe], threading.Event())
    assert attempt.result is Result.SYMBOLIZED, attempt
    symbols = store.symbol_file(reported_lib.file_id)
    assert symbols is not None
    assert f"debug file {library}.debug" in symbols.info.sources
    # --symbols-dir: found by name anywhere below the folder.
    assert LocalSource([tmp_path]).find(reported_lib, []) == library
    # Only the debug file is here (by build ID): it is stored under the library's ID.
    roots = tmp_path / "debug"
    build_id = reported_lib.gnu_build_id
    by_id = roots / ".build-id" / build_id[:2] / f"{build_id[2:]}.debug"
    by_id.parent.mkdir(parents=True)
    shutil.copy(f"{library}.debug", by_id)
    elsewhere = SymbolStore(tmp_path / "elsewhere")
    only_debug = LocalSource(debug_roots=[roots])
    attempt = only_debug.attempt(elsewhere, reported_lib, [], threading.Event())
    assert attempt.result is Result.SYMBOLIZED, attempt
    address = function_address(Path(f"{library}.debug"), "private_work")
    chain = elsewhere.lookup(reported_lib.file_id, [address])[0]
    assert [frame.function for frame in chain] == ["private_work"]


def test_symbols_fetch_runs_the_chain_for_one_executable(
    gcc: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    binary = compile_program(gcc, tmp_path / "bin", "fetched", 4, "-g")
    paths = DataPaths(tmp_path / "data")
    with Store.open(paths) as store:
        report_executables(store, (RealExecutable(binary, (function_address(binary, "main"),)),))
    file_id = file_id_of_path(binary)
    data = ["--data-dir", str(paths.root)]
    assert main(["symbols", "fetch", *data, "--", file_id.es()]) == 0  # an ES ID may start with -
    out = capsys.readouterr().out
    assert f"{file_id.hex()} fetched: symbolized" in out
    assert f"local file {binary}: symbolized" in out
    assert main(["symbols", "fetch", *data, FileId(99).hex()]) == 1
    assert "no symbols" in capsys.readouterr().out
    assert main(["symbols", "fetch", *data, "nonsense"]) == 2


def test_a_reported_path_to_a_fifo_a_device_or_a_huge_file_is_never_read(
    tmp_path: Path,
) -> None:
    import os

    from devfiler.symbolize.sources.local_source import MAX_FILE_BYTES

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it to read would block until a writer comes
    huge = tmp_path / "huge"
    with huge.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    huge_id = file_id_of_path(huge)
    source = LocalSource(symbols_dirs=[tmp_path], debug_roots=[tmp_path])
    for path, file_id in ((fifo, FileId(1)), (Path("/dev/zero"), FileId(2)), (huge, huge_id)):
        reported = Executable(file_id, path.name, path=str(path))
        assert source.find(reported, []) is None
    with pytest.raises(OSError, match="not a regular file"):
        file_id_of_path(fifo)
    store = SymbolStore(DataPaths(tmp_path / "data").symbols)
    attempt = source.attempt(
        store, Executable(huge_id, "huge", path=str(huge)), [], threading.Event()
    )
    assert attempt.result is Result.NOT_FOUND


def test_symbols_add_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    import os

    from devfiler.symbolize.formats.elf_image import ElfImage, is_elf
    from devfiler.symbolize.formats.errors import SymbolError

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert not is_elf(fifo)
    with pytest.raises(SymbolError, match="not a regular file"):
        ElfImage(fifo)
