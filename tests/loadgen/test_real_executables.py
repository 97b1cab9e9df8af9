"""Native frames can point into real ELF files, with the file IDs the agent would send."""

from __future__ import annotations

import subprocess
from pathlib import Path

from elftools.elf.elffile import ELFFile

from devfiler.loadgen.params import RealExecutable
from devfiler.symbolize.formats.fileid import file_id_of_path
from tests.loadgen.requests_view import attributes, batches, frame_type, small_params

_SOURCE = """
int leaf(int x) { return x * 3; }
int middle(int x) { return leaf(x) + 1; }
int main(void) { return middle(2); }
"""


def _compile(gcc: str, tmp_path: Path) -> tuple[Path, dict[str, int]]:
    source = tmp_path / "app.c"
    source.write_text(_SOURCE)
    binary = tmp_path / "app"
    subprocess.run([gcc, "-O0", "-Wl,--build-id", "-o", str(binary), str(source)], check=True)
    with binary.open("rb") as handle:
        symtab = ELFFile(handle).get_section_by_name(".symtab")
        functions = {
            s.name: int(s["st_value"])
            for s in symtab.iter_symbols()
            if s.name in ("leaf", "middle", "main")
        }
    return binary, functions


def test_native_frames_use_the_real_file_id_build_id_and_addresses(
    gcc: str, tmp_path: Path
) -> None:
    binary, functions = _compile(gcc, tmp_path)
    addresses = tuple(sorted(functions.values()))
    params = small_params(real_executables=(RealExecutable(binary, addresses),))
    expected_id = file_id_of_path(binary).hex()
    with binary.open("rb") as handle:
        note = next(
            n
            for n in ELFFile(handle).get_section_by_name(".note.gnu.build-id").iter_notes()
            if n["n_type"] == "NT_GNU_BUILD_ID"
        )
    used: set[int] = set()
    paths: set[str] = set()
    for batch in batches(params):
        request = batch.request
        d = request.dictionary
        ours = {
            i
            for i, mapping in enumerate(d.mapping_table)
            if i and d.string_table[mapping.filename_strindex] == "app"
        }
        for i in ours:
            keys = attributes(request, d.mapping_table[i].attribute_indices)
            assert keys["process.executable.build_id.htlhash"] == expected_id
            assert keys["process.executable.build_id.gnu"] == note["n_desc"]
        for location in d.location_table[1:]:
            if location.mapping_index in ours:
                assert frame_type(request, location) == "native"
                used.add(location.address)
        paths.update(
            kv.value.string_value
            for resource in request.resource_profiles
            for kv in resource.resource.attributes
            if kv.key == "process.executable.path"
        )
    assert str(binary) in paths
    assert used == set(addresses)
