"""Files opened in the window: each stored whole or refused with its reason, and
every stored batch announced."""

from __future__ import annotations

from pathlib import Path

from devfiler.config import data_paths
from devfiler.export.importing import ImportedFile
from devfiler.services.database import IngestBatch
from devfiler.services.profile_files import ProfileOpener
from devfiler.storage.store import Store


def test_a_folder_of_good_and_bad_files(tmp_path: Path) -> None:
    folder = tmp_path / "dropped"
    folder.mkdir()
    (folder / "a.txt").write_text("main;work 3\nmain;idle 2\n")
    (folder / "b.bin").write_bytes(b"\x00\x01 neither a profile nor stacks \xff" * 4)
    announced: list[IngestBatch] = []
    with Store.open(data_paths(tmp_path / "data")) as store:
        outcomes = ProfileOpener(announced.append).open(store, [folder])
        stored, refused = outcomes
        assert isinstance(stored, ImportedFile)
        assert (stored.format, stored.events) == ("collapsed stacks", 5)
        assert isinstance(refused, str) and "b.bin" in refused
        assert len(announced) == 1
        assert store.read_events(-(1 << 63), (1 << 63) - 1, None).weights.sum() == 5
