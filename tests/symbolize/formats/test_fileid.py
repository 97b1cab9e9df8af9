"""File ID of an executable (PROTOCOL.md section 2)."""

from __future__ import annotations

from pathlib import Path

from devfiler.symbolize.formats.fileid import file_id_of_bytes, file_id_of_path


def test_check_value_of_123_zero_bytes(tmp_path: Path) -> None:
    path = tmp_path / "zeros"
    path.write_bytes(bytes(123))
    file_id = file_id_of_path(path)
    assert file_id.hex() == "f4c1e5fe2f28034fcceb0776ec00b125"
    assert file_id.es() == "9MHl_i8oA0_M6wd27ACxJQ"
    assert file_id_of_bytes(bytes(123)) == file_id


def test_large_file_hashes_head_tail_and_length(tmp_path: Path) -> None:
    data = bytes(range(256)) * 100
    path = tmp_path / "big"
    path.write_bytes(data)
    assert file_id_of_path(path) == file_id_of_bytes(data)
    changed_middle = data[:10000] + b"x" + data[10001:]
    assert file_id_of_bytes(changed_middle) == file_id_of_bytes(data)
    assert file_id_of_bytes(data + b"\0") != file_id_of_bytes(data)
