"""Go's .gopclntab alone (a binary linked without DWARF) gives the same functions and
lines as DWARF gives for the outermost frame of the same program."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from devfiler.symbolize.formats.elf_image import ElfImage
from devfiler.symbolize.formats.extract import extract
from devfiler.symbolize.formats.fileid import file_id_of_path
from devfiler.symbolize.store.ingest import ingest_file
from devfiler.symbolize.store.symbol_store import SymbolStore


def test_pclntab_only_binary(
    go_program: Path, go_program_without_dwarf: Path, tmp_path: Path
) -> None:
    with ElfImage(go_program_without_dwarf) as image:
        assert not image.has_section(".debug_info")
    plain = extract(go_program_without_dwarf)
    assert "gopclntab" in plain.sources and "dwarf" not in plain.sources
    store = SymbolStore(tmp_path / "symbols")
    ingest_file(store, go_program)
    ingest_file(store, go_program_without_dwarf)
    with_dwarf = store.symbol_file(file_id_of_path(go_program))
    without = store.symbol_file(file_id_of_path(go_program_without_dwarf))
    assert with_dwarf is not None and without is not None
    starts, ends = without.function_ranges
    names = [without.strings[i] for i in without.func[: len(starts)]]
    main_crunch = names.index("main.crunch")
    probe = np.arange(int(starts[main_crunch]), int(ends[main_crunch]), dtype=np.uint64)
    ours = without.lookup(probe)
    reference = with_dwarf.lookup(probe)
    assert all(chain and chain[0].function == "main.crunch" for chain in ours)
    agree = sum(
        chain[0].file == ref[0].file and chain[-1].line == ref[-1].line
        for chain, ref in zip(ours, reference, strict=True)
        if ref and len(ref) == 1
    )
    single = sum(1 for ref in reference if ref and len(ref) == 1)
    assert single and agree >= 0.95 * single
    assert plain.table.function_count > 500  # the runtime is there too
