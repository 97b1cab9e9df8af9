"""An ELF file opened for symbol extraction: its sections, decompressed, and its notes.

pyelftools parses the headers; section contents are read here so that zlib and
zstd compressed debug sections (SHF_COMPRESSED and the older `.zdebug_*`) are
handled alike, and so that bad offsets end in a SymbolError, not a crash.
"""

from __future__ import annotations

import io
import mmap
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import zstandard
from elftools.common.utils import struct_parse
from elftools.elf.elffile import ELFFile

from devfiler.symbolize.formats.errors import SymbolError
from devfiler.symbolize.formats.regular_file import NotRegularFileError, open_regular

ELF_MAGIC = b"\x7fELF"
_SHF_COMPRESSED = 0x800
_ELFCOMPRESS_ZLIB = 1
_ELFCOMPRESS_ZSTD = 2
MAX_INFLATED_BYTES = 512 << 20
"""Section bytes one file may yield in all, decompressed or plain. Real debug info compresses
3 to 10 times; past this, the DWARF reader's own memory would pass 1 GB."""
MAX_INFLATION = 64
"""Decompressed section bytes one file may yield, as a multiple of the file's size."""
_CHUNK = 1 << 20


def is_elf(path: Path) -> bool:
    try:
        with open_regular(path) as handle:
            return handle.read(4) == ELF_MAGIC
    except OSError:
        return False


def gnu_build_id_of(path: Path) -> str:
    """The GNU build ID of a file, "" when it is not a readable ELF file or has none."""
    try:
        with ElfImage(path) as image:
            return image.gnu_build_id()
    except (SymbolError, OSError):
        return ""


class ElfImage:
    """Read-only view of one ELF file; close() releases the mapping."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self._handle = open_regular(self.path)
        except NotRegularFileError as error:
            raise SymbolError(str(error)) from None
        try:
            size = os.fstat(self._handle.fileno()).st_size
            if size < 64:
                raise SymbolError(f"file is too short for an ELF header ({size} bytes)")
            self._map = mmap.mmap(self._handle.fileno(), 0, access=mmap.ACCESS_READ)
            self._inflate_budget = min(MAX_INFLATED_BYTES, MAX_INFLATION * size)
            self._charged: set[str] = set()
            if self._map[:4] != ELF_MAGIC:
                raise SymbolError("not an ELF file")
            self.elf = ELFFile(self._handle)
            self.little_endian: bool = self.elf.little_endian
            self.address_size: int = 8 if self.elf.elfclass == 64 else 4
            headers = self._section_headers()
            self._names = self._section_names(headers)
            self._sections: dict[str, Any] = {}
            for name, header in zip(self._names, headers, strict=True):
                self._sections.setdefault(name, header)
        except SymbolError:
            self.close()
            raise
        except Exception as error:
            self.close()
            raise SymbolError(f"bad ELF headers: {error}") from error

    def _section_headers(self) -> list[Any]:
        """Every section header, parsed with pyelftools' public struct definitions: its
        Section objects would parse more than headers (compression headers, linked
        tables), which a damaged file should not get to fail before its sections are read."""
        offset, entry_size = int(self.elf["e_shoff"]), int(self.elf["e_shentsize"])
        count = self.elf.num_sections()
        if count and (entry_size <= 0 or offset + count * entry_size > len(self._map)):
            raise SymbolError(f"section headers run past the end of the file ({count} of them)")
        shdr = self.elf.structs.Elf_Shdr
        return [struct_parse(shdr, self.elf.stream, offset + i * entry_size) for i in range(count)]

    def _section_names(self, headers: list[Any]) -> list[str]:
        """Each section's name from the section name table; "" where it points outside it."""
        if not headers:
            return []
        index = self.elf.get_shstrndx()
        if not 0 <= index < len(headers):
            raise SymbolError(f"section name table {index} is not among {len(headers)} sections")
        start, size = int(headers[index]["sh_offset"]), int(headers[index]["sh_size"])
        end_of_table = min(start + size, len(self._map))
        names = []
        for header in headers:
            offset = int(header["sh_name"])
            end = self._map.find(b"\0", start + offset, end_of_table) if offset < size else -1
            name = self._map[start + offset : end] if end >= 0 else b""
            names.append(name.decode("utf-8", "replace"))
        return names

    def close(self) -> None:
        if getattr(self, "_map", None) is not None:
            self._map.close()
        self._handle.close()

    def __enter__(self) -> ElfImage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def endian(self) -> str:
        """struct prefix for this file's byte order."""
        return "<" if self.little_endian else ">"

    def has_section(self, name: str) -> bool:
        return name in self._sections or self._zdebug_name(name) in self._sections

    def section_type(self, name: str) -> str:
        header = self._sections.get(name)
        return str(header["sh_type"]) if header is not None else ""

    def section_link(self, name: str) -> str:
        """Name of the section that `name` links to (e.g. the string table of a symtab)."""
        index = int(self._sections[name]["sh_link"])
        if not 0 <= index < len(self._names):
            raise SymbolError(f"section {name} links to section {index} of {len(self._names)}")
        return self._names[index]

    def raw(self, name: str) -> bytes:
        header = self._sections[name]
        if header["sh_type"] == "SHT_NOBITS":
            return b""
        offset, size = int(header["sh_offset"]), int(header["sh_size"])
        if offset + size > len(self._map):
            raise SymbolError(
                f"section {name} runs past the end of the file (truncated at {len(self._map)})"
            )
        return self._map[offset : offset + size]

    def section(self, name: str) -> bytes | None:
        """Contents of a section, decompressed; None when the file has no such section."""
        if name in self._sections:
            header = self._sections[name]
            if int(header["sh_flags"]) & _SHF_COMPRESSED:
                return self._decompress_chdr(name, self.raw(name))
            if header["sh_type"] != "SHT_NOBITS":
                self._charge(name, int(header["sh_size"]))
            return self.raw(name)
        zname = self._zdebug_name(name)
        if zname in self._sections:
            return self._decompress_zdebug(zname, self.raw(zname))
        return None

    @staticmethod
    def _zdebug_name(name: str) -> str:
        return ".z" + name[1:] if name.startswith(".debug_") else name

    def _decompress_chdr(self, name: str, data: bytes) -> bytes:
        fmt = self.endian + ("IIQQ" if self.address_size == 8 else "III")
        try:
            fields = struct.unpack_from(fmt, data)
        except struct.error as error:
            raise SymbolError(f"compressed section {name} has no header") from error
        kind, size = fields[0], (fields[2] if self.address_size == 8 else fields[1])
        payload = data[struct.calcsize(fmt) :]
        if kind not in (_ELFCOMPRESS_ZLIB, _ELFCOMPRESS_ZSTD):
            raise SymbolError(f"section {name} uses unknown compression type {kind}")
        if size > self._inflate_budget:
            raise self._too_large(name, size)
        result = self._inflate(name, payload, zstd=kind == _ELFCOMPRESS_ZSTD)
        if len(result) != size:
            raise SymbolError(f"section {name} inflated to {len(result)} bytes, expected {size}")
        return result

    def _decompress_zdebug(self, name: str, data: bytes) -> bytes:
        if data[:4] != b"ZLIB" or len(data) < 12:
            return data
        return self._inflate(name, data[12:], zstd=False)

    def _inflate(self, name: str, payload: bytes, *, zstd: bool) -> bytes:
        """Decompress in chunks, stopping with a SymbolError as soon as the output passes
        what is left of this file's budget: a bomb costs the budget, never its full size."""
        source = io.BytesIO(payload)
        try:
            if zstd:
                stream: Any = zstandard.ZstdDecompressor().stream_reader(source)
            else:
                stream = _ZlibReader(payload)
            chunks = []
            produced = 0
            while chunk := stream.read(_CHUNK):
                produced += len(chunk)
                if produced > self._inflate_budget:
                    raise self._too_large(name, produced)
                chunks.append(chunk)
        except (zlib.error, zstandard.ZstdError) as error:
            raise SymbolError(f"cannot decompress section {name}: {error}") from error
        self._inflate_budget -= produced
        return b"".join(chunks)

    def _charge(self, name: str, size: int) -> None:
        """Plain sections are read into memory too: each counts once against the same budget."""
        if name in self._charged:
            return
        if size > self._inflate_budget:
            raise SymbolError(
                f"section {name} holds {size:,} bytes, past what devfiler reads from one file "
                f"({MAX_INFLATED_BYTES >> 20} MiB in all sections together)"
            )
        self._inflate_budget -= size
        self._charged.add(name)

    def _too_large(self, name: str, size: int) -> SymbolError:
        return SymbolError(
            f"section {name} inflates to {size:,} bytes or more, past what this file may "
            f"yield ({MAX_INFLATION} times its size and {MAX_INFLATED_BYTES >> 20} MiB "
            "in all sections together)"
        )

    def notes(self) -> dict[tuple[str, int], bytes]:
        """(owner, type) -> descriptor of every note in SHT_NOTE sections."""
        result: dict[tuple[str, int], bytes] = {}
        for name, header in self._sections.items():
            if header["sh_type"] != "SHT_NOTE":
                continue
            data = self.raw(name)
            pos = 0
            while pos + 12 <= len(data):
                namesz, descsz, kind = struct.unpack_from(self.endian + "III", data, pos)
                pos += 12
                owner = data[pos : pos + namesz].rstrip(b"\0").decode("latin-1")
                pos += (namesz + 3) & ~3
                result.setdefault((owner, kind), data[pos : pos + descsz])
                pos += (descsz + 3) & ~3
        return result

    def gnu_build_id(self) -> str:
        return self.notes().get(("GNU", 3), b"").hex()

    def go_build_id(self) -> str:
        raw = self.notes().get(("Go", 4), b"")
        return raw.decode("latin-1") if raw else ""

    def debuglink(self) -> str:
        """File name in `.gnu_debuglink` (the CRC that follows is not checked)."""
        data = self.section(".gnu_debuglink")
        if not data:
            return ""
        return data.split(b"\0", 1)[0].decode("utf-8", "replace")


class _ZlibReader:
    """zlib data read in bounded pieces, like zstandard's stream reader."""

    def __init__(self, payload: bytes) -> None:
        self._inflater = zlib.decompressobj()
        self._pending = payload

    def read(self, size: int) -> bytes:
        """Up to `size` bytes; b"" at the end of the stream."""
        while not self._inflater.eof:
            chunk = self._inflater.decompress(self._pending, size)
            progressed = chunk or len(self._inflater.unconsumed_tail) < len(self._pending)
            self._pending = self._inflater.unconsumed_tail
            if chunk:
                return chunk
            if not progressed:
                raise zlib.error("incomplete or truncated stream")
        return b""
