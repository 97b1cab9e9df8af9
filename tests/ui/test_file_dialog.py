"""What the file dialog's answer names: selections, typed names the dialog mangled, folders."""

from __future__ import annotations

from pathlib import Path

from devfiler.ui.file_dialog import Purpose, picked_paths


def answer(folder: Path, name: str, selections: dict[str, str] | None = None) -> dict[str, object]:
    return {
        "file_path_name": str(folder / name),
        "file_name": name,
        "current_path": str(folder),
        "selections": selections or {},
    }


def test_open_takes_selections_else_the_typed_name_found_again(tmp_path: Path) -> None:
    (tmp_path / "stacks.txt").write_text("x")
    (tmp_path / "answer").write_text("x")
    (tmp_path / "answer.c").write_text("x")
    picked = {"a": str(tmp_path / "answer.c"), "b": str(tmp_path / "stacks.txt")}
    assert picked_paths(Purpose.OPEN, answer(tmp_path, ".*", picked)) == [
        tmp_path / "answer.c",
        tmp_path / "stacks.txt",
    ]
    # The dialog put its filter in place of the typed extension.
    assert picked_paths(Purpose.OPEN, answer(tmp_path, "stacks.*")) == [tmp_path / "stacks.txt"]
    assert picked_paths(Purpose.OPEN, answer(tmp_path, "answer.*")) == [tmp_path / "answer"]
    assert picked_paths(Purpose.OPEN, answer(tmp_path, "missing.*")) == []
    assert picked_paths(Purpose.OPEN, answer(tmp_path, ".*")) == []


def test_save_takes_the_typed_name_and_folder_the_shown_folder(tmp_path: Path) -> None:
    assert picked_paths(Purpose.SAVE, answer(tmp_path, "view.pb.gz")) == [tmp_path / "view.pb.gz"]
    assert picked_paths(Purpose.SAVE, answer(tmp_path, ".")) == []
    chosen = {"file_path_name": str(tmp_path / "out"), "current_path": str(tmp_path)}
    assert picked_paths(Purpose.FOLDER, chosen) == [tmp_path / "out"]
    assert picked_paths(Purpose.FOLDER, {"current_path": str(tmp_path)}) == [tmp_path]
