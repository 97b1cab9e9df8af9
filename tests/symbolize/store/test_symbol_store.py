"""Symbol folder: status files, lookups across writers, background ingest, split and
compressed debug info, and the `symbols` / `symbolize` commands."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from devfiler.cli import main
from devfiler.config import DataPaths
from devfiler.model import Executable, FileId
from devfiler.storage.batch import IngestBatch
from devfiler.storage.store import Store
from devfiler.symbolize.formats.fileid import file_id_of_path
from devfiler.symbolize.store.ingest import BackgroundIngest, ingest_file
from devfiler.symbolize.store.symbol_store import SymbolState, SymbolStatus, SymbolStore


def _symbol_address(binary: Path, name: str) -> int:
    out = subprocess.run(["nm", str(binary)], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16)
    raise AssertionError(f"{name} not in {binary}")


def test_lookup_sees_files_written_later(c_program: Path, tmp_path: Path) -> None:
    reader = SymbolStore(tmp_path / "symbols")
    writer = SymbolStore(tmp_path / "symbols")
    file_id = file_id_of_path(c_program)
    address = _symbol_address(c_program, "work")
    assert reader.lookup(file_id, [address]) == [()]
    assert reader.status(file_id).state is SymbolState.NOT_ATTEMPTED
    outcome = ingest_file(writer, c_program)
    assert outcome.status.state is SymbolState.SYMBOLIZED
    chain = reader.lookup(file_id, np.array([address, 1], dtype=np.uint64))
    assert chain[0][0].function == "work"
    assert chain[0][0].file.endswith("inline.c")
    assert chain[1] == ()
    assert str(reader.status(file_id)).startswith("symbolized (")


def test_inline_chain_is_outermost_first(c_program: Path, tmp_path: Path) -> None:
    store = SymbolStore(tmp_path / "symbols")
    ingest_file(store, c_program)
    file_id = file_id_of_path(c_program)
    symbols = store.symbol_file(file_id)
    assert symbols is not None
    chains = store.lookup(file_id, np.asarray(symbols.start))
    inlined = [c for c in chains if len(c) > 1]
    assert inlined
    outer = {"main", "work", "helper", "recurse", "lib_entry"}
    for chain in inlined:
        assert chain[0].function.split(".")[0] in outer
        assert chain[-1].function in ("square", "mix", "helper", "atoi")
        assert all(frame.line > 0 for frame in chain)


def test_status_files_and_interrupted_ingest(tmp_path: Path) -> None:
    store = SymbolStore(tmp_path / "symbols")
    file_id = FileId(0x1234)
    store.set_status(file_id, SymbolStatus(SymbolState.ERROR, "bad DWARF"), "app")
    assert str(store.status(file_id)) == "error: bad DWARF"
    store.set_status(file_id, SymbolStatus(SymbolState.TEMPORARY_ERROR, "disk full"))
    assert str(store.status(file_id)) == "temporary error: disk full"
    store.set_status(file_id, SymbolStatus(SymbolState.NO_SYMBOLS), "app")
    assert str(store.status(file_id)) == "no symbols"
    status_path = store.status_path(file_id)
    doc = json.loads(status_path.read_text())
    doc.update(state="pending", pid=2**22 + 12345)  # no such process
    status_path.write_text(json.dumps(doc))
    assert str(store.status(file_id)) == "temporary error: ingest was interrupted"
    assert [e.file_name for e in store.entries()] == ["app"]


def test_background_ingest_counts_progress(
    c_program: Path, shared_library: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "bins"
    folder.mkdir()
    shutil.copy(c_program, folder / "inline")
    shutil.copy(shared_library, folder / "libdemo.so")
    (folder / "notes.txt").write_text("not an ELF file")
    worker = BackgroundIngest(SymbolStore(tmp_path / "symbols"))
    try:
        assert worker.submit([folder]) == 2
        assert worker.wait(timeout=120)
        progress = worker.progress()
    finally:
        worker.close()
    assert progress.files_queued == progress.files_done == 2
    assert progress.ranges_extracted == progress.ranges_stored > 0
    assert progress.current_file == ""
    assert progress.last_outcome is not None


def _split_debug(binary: Path, folder: Path) -> tuple[Path, Path]:
    if shutil.which("objcopy") is None:
        pytest.skip("objcopy (binutils) is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    debug = folder / f"{binary.name}.debug"
    stripped = folder / binary.name
    subprocess.run(["objcopy", "--only-keep-debug", binary, debug], check=True)
    subprocess.run(
        ["objcopy", "--strip-debug", f"--add-gnu-debuglink={debug}", binary, stripped],
        check=True,
    )
    return stripped, debug


def test_debuglink_next_to_the_file(c_program: Path, tmp_path: Path) -> None:
    stripped, _ = _split_debug(c_program, tmp_path / "split")
    store = SymbolStore(tmp_path / "symbols")
    ingest_file(store, stripped)
    chain = store.lookup(file_id_of_path(stripped), [_symbol_address(stripped, "work")])[0]
    assert chain and chain[0].file.endswith("inline.c") and chain[0].line > 0


def test_debug_file_by_build_id(c_program: Path, tmp_path: Path) -> None:
    stripped, debug = _split_debug(c_program, tmp_path / "split")
    build_id = (
        subprocess.run(
            ["readelf", "-n", str(c_program)], check=True, capture_output=True, text=True
        )
        .stdout.split("Build ID: ")[1]
        .split()[0]
    )
    root = tmp_path / "debugroot"
    target = root / ".build-id" / build_id[:2] / f"{build_id[2:]}.debug"
    target.parent.mkdir(parents=True)
    debug.rename(target)
    store = SymbolStore(tmp_path / "symbols")
    outcome = ingest_file(store, stripped, debug_roots=[root])
    assert outcome.status.state is SymbolState.SYMBOLIZED
    chain = store.lookup(file_id_of_path(stripped), [_symbol_address(stripped, "work")])[0]
    assert chain and chain[0].line > 0


@pytest.mark.parametrize("compression", ["zlib-gabi", "zlib-gnu", "zstd"])
def test_compressed_debug_sections(c_program: Path, tmp_path: Path, compression: str) -> None:
    if shutil.which("objcopy") is None:
        pytest.skip("objcopy (binutils) is not installed")
    packed = tmp_path / f"inline-{compression}"
    result = subprocess.run(
        ["objcopy", f"--compress-debug-sections={compression}", c_program, packed],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"objcopy cannot compress with {compression}: {result.stderr.strip()}")
    plain_store = SymbolStore(tmp_path / "plain")
    packed_store = SymbolStore(tmp_path / "packed")
    ingest_file(plain_store, c_program)
    ingest_file(packed_store, packed)
    address = _symbol_address(c_program, "work")
    probe = [address, address + 8, address + 16]
    expected = plain_store.lookup(file_id_of_path(c_program), probe)
    assert packed_store.lookup(file_id_of_path(packed), probe) == expected
    assert expected[0]


def test_symbols_list_merges_store_and_folder(
    c_program: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    assert main(["symbols", "list", "--json", "--data-dir", str(data_dir)]) == 0
    assert json.loads(capsys.readouterr().out) == []
    reported = Executable(FileId(0xABC), file_name="nginx", gnu_build_id="beef")
    store = Store.open(DataPaths(data_dir))
    store.write(IngestBatch(executables=[reported]))
    store.close()
    assert main(["symbols", "add", "--data-dir", str(data_dir), str(c_program)]) == 0
    summary = capsys.readouterr().out
    assert f"{file_id_of_path(c_program).hex()}  {c_program}: symbolized (" in summary
    assert main(["symbols", "list", "--json", "--data-dir", str(data_dir)]) == 0
    rows = {row["file_name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["nginx"]["status"] == "not attempted"
    assert rows["nginx"]["build_ids"]["gnu"] == "beef"
    assert rows["nginx"]["reported_by_agent"] is True
    assert rows["inline"]["status"].startswith("symbolized (")
    assert rows["inline"]["symbols"] > 0
    assert rows["inline"]["file_id"] == file_id_of_path(c_program).hex()


def test_symbolize_text_matches_addr2line_layout(
    c_program: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address = _symbol_address(c_program, "work")
    data_dir = str(tmp_path / "data")
    assert main(["symbolize", "--data-dir", data_dir, str(c_program), f"{address:x}", "0x1"]) == 0
    ours = capsys.readouterr().out
    file_id = file_id_of_path(c_program).hex()
    assert main(["symbolize", "--data-dir", data_dir, file_id, f"{address:x}", "0x1"]) == 0
    assert capsys.readouterr().out == ours
    lines = ours.splitlines()
    assert lines[-2:] == ["??", "??:0"]
    assert lines[-4] == "work" and lines[-3].split(":")[0].endswith("inline.c")


def test_symbolize_of_an_unknown_file_id_says_nothing_is_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file_id = "0123456789abcdef0123456789abcdef"
    assert main(["symbolize", "--data-dir", str(tmp_path), file_id, "0x10"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"no symbols are stored for file ID {file_id}" in captured.err
