"""ELF files whose compressed debug sections inflate to gigabytes end in a clean error.

The bombs are a real gcc-built program with its `.debug_info` replaced by a
compressed section of 3 GiB of zeros; `devfiler symbols add` runs in a child
process that reports its own peak memory.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import zstandard
from elftools.elf.elffile import ELFFile

from devfiler.symbolize.formats.elf_image import MAX_INFLATED_BYTES

BOMB_BYTES = 3 << 30
PEAK_BYTES = 1 << 30
_SHF_COMPRESSED = 0x800
_ZLIB, _ZSTD = 1, 2


def _zeros_compressed(kind: int) -> bytes:
    chunk = bytes(8 << 20)
    count = BOMB_BYTES // len(chunk)
    if kind == _ZSTD:
        compressor = zstandard.ZstdCompressor().compressobj()
        body = b"".join(compressor.compress(chunk) for _ in range(count))
        return body + compressor.flush()
    # After a full flush, deflate output no longer depends on what came before, so one
    # compressed chunk repeated is the stream of the repeated chunk; only the checksum of
    # the whole (adler32 of n zeros: 1 and n) has to be written by hand.
    deflater = zlib.compressobj(9)
    head = deflater.compress(chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
    block = deflater.compress(chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
    tail = deflater.flush()[:-4] + struct.pack(">I", (BOMB_BYTES % 65521) << 16 | 1)
    return head + block * (count - 1) + tail


def make_bomb(program: Path, target: Path, kind: int, claimed: int) -> Path:
    """`program` with .debug_info replaced by a compressed section of 3 GiB of zeros
    whose header claims `claimed` bytes."""
    shutil.copyfile(program, target)
    with open(program, "rb") as handle:
        elf = ELFFile(handle)
        assert elf.elfclass == 64 and elf.little_endian
        index = next(i for i, s in enumerate(elf.iter_sections()) if s.name == ".debug_info")
        header_at = elf["e_shoff"] + index * elf["e_shentsize"]
    payload = struct.pack("<IIQQ", kind, 0, claimed, 1) + _zeros_compressed(kind)
    with open(target, "r+b") as out:
        end = out.seek(0, 2)
        offset = (end + 7) & ~7
        out.write(bytes(offset - end) + payload)
        out.seek(header_at + 8)
        (flags,) = struct.unpack("<Q", out.read(8))
        out.seek(header_at + 8)
        out.write(struct.pack("<Q", flags | _SHF_COMPRESSED))
        out.seek(header_at + 24)
        out.write(struct.pack("<QQ", offset, len(payload)))
    return target


_ADD_AND_REPORT_PEAK = """
import sys
from devfiler import cli
code = cli.main(["symbols", "add", *sys.argv[1:]])
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print("peak", int(status) * 1024, "code", code)
"""
"""`symbols add` in a process of its own, printing its peak resident memory.

VmHWM, not getrusage: Linux keeps ru_maxrss across exec, so a child of a
large test process would report its parent's peak."""


@pytest.mark.parametrize(
    ("kind", "claimed"),
    [(_ZSTD, BOMB_BYTES), (_ZSTD, 1000), (_ZLIB, 1000)],
    ids=["zstd, honest size", "zstd, claims 1000 bytes", "zlib, claims 1000 bytes"],
)
def test_debug_section_bomb_is_a_clean_error_within_1_gb(
    c_program: Path, tmp_path: Path, kind: int, claimed: int
) -> None:
    bomb = make_bomb(c_program, tmp_path / "bomb", kind, claimed)
    assert bomb.stat().st_size < 8 << 20
    done = subprocess.run(
        [sys.executable, "-c", _ADD_AND_REPORT_PEAK, str(bomb), "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "section .debug_info inflates to" in done.stdout, done.stdout + done.stderr
    assert f"{MAX_INFLATED_BYTES >> 20} MiB" in done.stdout
    peak = int(done.stdout.split("peak ")[1].split()[0])
    print(f"peak RSS {peak / 2**20:.0f} MiB")
    assert peak <= PEAK_BYTES


def test_a_huge_plain_debug_section_is_a_clean_error_within_1_gb(
    c_program: Path, tmp_path: Path
) -> None:
    """An uncompressed .debug_info of 2 GiB (a sparse file): refused before it is read."""
    bomb = tmp_path / "plain"
    shutil.copyfile(c_program, bomb)
    with open(c_program, "rb") as handle:
        elf = ELFFile(handle)
        index = next(i for i, s in enumerate(elf.iter_sections()) if s.name == ".debug_info")
        header_at = elf["e_shoff"] + index * elf["e_shentsize"]
    size = 2 << 30
    with open(bomb, "r+b") as out:
        offset = (out.seek(0, 2) + 7) & ~7
        out.truncate(offset + size)
        out.seek(header_at + 24)
        out.write(struct.pack("<QQ", offset, size))
    done = subprocess.run(
        [sys.executable, "-c", _ADD_AND_REPORT_PEAK, str(bomb), "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "section .debug_info holds 2,147,483,648 bytes" in done.stdout, done.stdout + done.stderr
    peak = int(done.stdout.split("peak ")[1].split()[0])
    assert peak <= PEAK_BYTES
