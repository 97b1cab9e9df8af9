"""A symbol endpoint end to end: one devfiler exports symbols as an endpoint tree, a real
HTTP server on loopback serves it (with 404s, a 500 before success and a truncated zstd
file), the synthetic agent reports the executables to a real collector, and the
background worker fetches their symbols unasked."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from devfiler.cli import main
from devfiler.config import DataPaths
from devfiler.loadgen.params import RealExecutable
from devfiler.retry import RetryPolicy
from devfiler.storage.store import Store
from devfiler.symbolize.formats.fileid import file_id_of_path
from devfiler.symbolize.sources.auto_symbols import AutoSymbols
from devfiler.symbolize.sources.symb_endpoint import tree_path
from devfiler.symbolize.sources.symbol_chain import SourceSettings, SymbolChain
from devfiler.symbolize.store.symbol_store import SymbolState, SymbolStore
from tests.symbolize.programs_build import compile_program, function_address, symbolize
from tests.symbolize.symbol_servers import Script, http_server, report_executables, wait_for


def _export_tree(binaries: list[Path], server: Path, tree: Path) -> None:
    """What an operator does to serve symbols: ingest, then export as an endpoint tree."""
    assert main(["symbols", "add", "--data-dir", str(server), *map(str, binaries)]) == 0
    for binary in binaries:
        file_id = file_id_of_path(binary).hex()
        command = ["symbols", "export", "--data-dir", str(server), "--tree", file_id, str(tree)]
        assert main(command) == 0


def test_endpoint_symbols_arrive_without_user_action(
    gcc: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="devfiler.symbolize")
    names = ("ok", "flaky", "cut", "absent")
    binaries = {
        n: compile_program(gcc, tmp_path / "bin", n, i + 2, "-g") for i, n in enumerate(names)
    }
    ids = {n: file_id_of_path(b) for n, b in binaries.items()}
    tree = tmp_path / "tree"
    _export_tree([binaries["ok"], binaries["flaky"], binaries["cut"]], tmp_path / "server", tree)
    ranges = {n: f"/{tree_path(ids[n])}/ranges" for n in names}
    whole_cut = (tree / ranges["cut"].lstrip("/")).read_bytes()
    script = Script(
        failures={ranges["flaky"]: [500]},
        bodies={ranges["cut"]: whole_cut[: len(whole_cut) // 2]},
    )
    client = DataPaths(tmp_path / "client")
    symbols = SymbolStore(client.symbols)
    reals = tuple(
        RealExecutable(binaries[n], (function_address(binaries[n], f"leaf_{n}"),)) for n in names
    )
    with http_server(tree, script) as url, Store.open(client) as store:
        report_executables(store, reals)
        reported = {e.file_id for e in store.executables()}
        assert set(ids.values()) <= reported
        chain = SymbolChain.from_settings(
            symbols, client.downloads, SourceSettings(symb_endpoint=url, local=False)
        )
        worker = AutoSymbols(chain, store.executables, poll_seconds=0.1, retry=RetryPolicy(0.2))
        worker.start()
        try:

            def settled() -> bool:
                states = {n: symbols.status(ids[n]).state for n in names}
                return states == {
                    "ok": SymbolState.SYMBOLIZED,
                    "flaky": SymbolState.SYMBOLIZED,
                    "cut": SymbolState.TEMPORARY_ERROR,
                    "absent": SymbolState.NO_SYMBOLS,
                }

            wait_for(settled, "ok and flaky symbolized, cut retrying, absent without symbols")
            assert "truncated" in symbols.status(ids["cut"]).message
            assert script.statuses(ranges["flaky"]) == [500, 200]
            assert script.statuses(f"/{tree_path(ids['absent'])}/metadata.json") == [404]
            # Other executables of the synthetic host are not on the endpoint either.
            others = reported - set(ids.values())
            wait_for(
                lambda: all(symbols.status(i).state is SymbolState.NO_SYMBOLS for i in others),
                "synthetic executables marked as without symbols",
            )
            # The server gets the whole file again: the retry picks it up.
            del script.bodies[ranges["cut"]]
            wait_for(
                lambda: symbols.status(ids["cut"]).state is SymbolState.SYMBOLIZED,
                "cut symbolized after its retry",
            )
            assert len(script.statuses(ranges["cut"])) >= 2
        finally:
            worker.stop()
    for name in ("ok", "flaky", "cut"):
        address = function_address(binaries[name], f"leaf_{name}")
        assert symbolize(capsys, client.root, ids[name].hex(), address) == [f"leaf_{name}"]
    logged = caplog.text
    assert f"symbol endpoint {url}: temporary error" in logged
    assert f"symbol endpoint {url}: symbolized" in logged
    assert not list(client.downloads.rglob("*.symbfile")), "downloads are dropped after ingest"
