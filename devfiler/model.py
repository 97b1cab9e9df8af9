"""Value types shared by every layer: identifiers, frame and sample kinds.

Numeric codes of the enums are stored on disk, so they never change meaning;
new kinds get new numbers.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from enum import IntEnum


@dataclass(frozen=True, slots=True, order=True)
class FileId:
    """128-bit identifier of an executable (the agent's "htlhash") or a synthetic one."""

    value: int

    def __post_init__(self) -> None:
        if not 0 <= self.value < 1 << 128:
            raise ValueError(f"file ID out of range: {self.value:#x}")

    @classmethod
    def from_bytes(cls, raw: bytes) -> FileId:
        if len(raw) != 16:
            raise ValueError(f"file ID needs 16 bytes, got {len(raw)}")
        return cls(int.from_bytes(raw, "big"))

    @classmethod
    def from_hex(cls, text: str) -> FileId:
        text = text.strip().lower()
        if len(text) != 32:
            raise ValueError(f"file ID needs 32 hex digits, got {text!r}")
        return cls(int(text, 16))

    @classmethod
    def from_es(cls, text: str) -> FileId:
        """Parse the URL-safe base64 form used by symbol endpoints."""
        if len(text) != 22:
            raise ValueError(f"ES file ID needs 22 characters, got {text!r}")
        return cls.from_bytes(base64.urlsafe_b64decode(text + "=="))

    @classmethod
    def parse(cls, text: str) -> FileId:
        """Accept either the hex or the ES form."""
        return cls.from_hex(text) if len(text.strip()) == 32 else cls.from_es(text.strip())

    def to_bytes(self) -> bytes:
        return self.value.to_bytes(16, "big")

    def hex(self) -> str:
        return f"{self.value:032x}"

    def es(self) -> str:
        return base64.urlsafe_b64encode(self.to_bytes()).rstrip(b"=").decode("ascii")

    def __str__(self) -> str:
        return self.hex()


@dataclass(frozen=True, slots=True, order=True)
class FrameId:
    """A frame: the file it lives in and an address (native) or line-ish value."""

    file_id: FileId
    address: int

    def to_bytes(self) -> bytes:
        return self.file_id.to_bytes() + self.address.to_bytes(8, "big")

    @classmethod
    def from_bytes(cls, raw: bytes) -> FrameId:
        return cls(FileId.from_bytes(raw[:16]), int.from_bytes(raw[16:24], "big"))


class FrameKind(IntEnum):
    """Kind of a stack frame; the value is the on-disk code."""

    UNKNOWN = 0
    NATIVE = 1
    KERNEL = 2
    GO = 3
    CPYTHON = 4
    PHP = 5
    PHP_JIT = 6
    JVM = 7
    RUBY = 8
    PERL = 9
    V8JS = 10
    DOTNET = 11
    BEAM = 12
    LUAJIT = 13
    APM_INTEGRATION = 14
    ABORT = 15
    OTHER = 16
    """A frame type this version does not know; its name is kept with the frame."""

    @property
    def is_native_like(self) -> bool:
        """Frames that devfiler symbolizes itself from executables."""
        return self in (FrameKind.NATIVE, FrameKind.KERNEL)

    @property
    def wire_name(self) -> str:
        return _KIND_TO_WIRE[self]

    @property
    def display_name(self) -> str:
        return _KIND_DISPLAY[self]

    @classmethod
    def from_wire(cls, name: str) -> FrameKind:
        """Map the agent's `profile.frame.type` to a kind; unknown names give OTHER."""
        return _WIRE_TO_KIND.get(name, FrameKind.OTHER)


_WIRE_TO_KIND: dict[str, FrameKind] = {
    "native": FrameKind.NATIVE,
    "kernel": FrameKind.KERNEL,
    "go": FrameKind.GO,
    "cpython": FrameKind.CPYTHON,
    "python": FrameKind.CPYTHON,
    "php": FrameKind.PHP,
    "phpjit": FrameKind.PHP_JIT,
    "jvm": FrameKind.JVM,
    "hotspot": FrameKind.JVM,
    "ruby": FrameKind.RUBY,
    "perl": FrameKind.PERL,
    "v8js": FrameKind.V8JS,
    "dotnet": FrameKind.DOTNET,
    "beam": FrameKind.BEAM,
    "luajit": FrameKind.LUAJIT,
    "apm-integration": FrameKind.APM_INTEGRATION,
    "unknown": FrameKind.UNKNOWN,
    "abort-marker": FrameKind.ABORT,
}
_KIND_TO_WIRE: dict[FrameKind, str] = {
    **{kind: name for name, kind in _WIRE_TO_KIND.items() if name not in ("python", "hotspot")},
    FrameKind.OTHER: "other",
}
_KIND_DISPLAY: dict[FrameKind, str] = {
    FrameKind.UNKNOWN: "Unknown",
    FrameKind.NATIVE: "Native",
    FrameKind.KERNEL: "Kernel",
    FrameKind.GO: "Go",
    FrameKind.CPYTHON: "Python",
    FrameKind.PHP: "PHP",
    FrameKind.PHP_JIT: "PHP JIT",
    FrameKind.JVM: "JVM",
    FrameKind.RUBY: "Ruby",
    FrameKind.PERL: "Perl",
    FrameKind.V8JS: "JS",
    FrameKind.DOTNET: ".NET",
    FrameKind.BEAM: "BEAM",
    FrameKind.LUAJIT: "LuaJIT",
    FrameKind.APM_INTEGRATION: "APM",
    FrameKind.ABORT: "Abort",
    FrameKind.OTHER: "Other",
}


class SampleKind(IntEnum):
    """What a sample measures; the value is the on-disk code."""

    ON_CPU = 1
    OFF_CPU = 2
    UPROBE = 3
    UNKNOWN = 4

    @property
    def cli_name(self) -> str:
        return self.name.lower()

    @property
    def unit(self) -> str:
        """Unit of one event's weight."""
        return "nanoseconds" if self is SampleKind.OFF_CPU else "samples"

    @classmethod
    def from_sample_type(cls, type_name: str, unit: str) -> SampleKind:
        """Classify an OTLP `sample_type` (PROTOCOL.md, sample kinds)."""
        if type_name == "samples":
            return cls.ON_CPU
        if type_name == "off_cpu":
            return cls.OFF_CPU
        if type_name == "events":
            return cls.UPROBE
        return cls.UNKNOWN

    @classmethod
    def from_cli(cls, name: str) -> SampleKind:
        try:
            return cls[name.upper()]
        except KeyError:
            raise ValueError(
                f"unknown sample kind {name!r} (one of: {', '.join(k.cli_name for k in cls)})"
            ) from None


@dataclass(frozen=True, slots=True, order=True)
class TraceHash:
    """xxh3-128 of a trace's frame list: identical stacks share one record."""

    value: int

    def to_bytes(self) -> bytes:
        return self.value.to_bytes(16, "big")

    @classmethod
    def from_bytes(cls, raw: bytes) -> TraceHash:
        return cls(int.from_bytes(raw, "big"))

    def hex(self) -> str:
        return f"{self.value:032x}"


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One symbolized position: a function, its file and line (0 when unknown)."""

    function: str
    file: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Frame:
    """A frame of a stored trace, with what the agent told about it.

    `lines` is the inline chain the agent symbolized itself (outermost first),
    empty for native frames that devfiler symbolizes. `kind_name` keeps the
    agent's name for kinds this version does not know. `error_code` is set for
    abort frames and error frames (the unwinder's error code).
    `mapping_file_id` is the executable a described frame came from: its
    `id` is a hash of its content (identity.py), so the file ID is kept here.
    """

    id: FrameId
    kind: FrameKind
    lines: tuple[SourceLine, ...] = ()
    mapping_name: str = ""
    kind_name: str = ""
    error_code: int | None = None
    mapping_file_id: FileId | None = None


@dataclass(frozen=True, slots=True)
class Trace:
    """A stack: frames leaf first, as the agent sends them."""

    hash: TraceHash
    frames: tuple[FrameId, ...]
    kinds: tuple[FrameKind, ...]


@dataclass(frozen=True, slots=True)
class EventContext:
    """Who a sample belongs to: thread, process, container, service.

    Many events share one context, so events store a reference to it.
    """

    thread_name: str = ""
    thread_id: int = 0
    cpu: int = -1
    pid: int = 0
    executable_path: str = ""
    executable_name: str = ""
    container_id: str = ""
    service_name: str = ""


@dataclass(frozen=True, slots=True)
class Executable:
    """An executable the agent reported in a native mapping."""

    file_id: FileId
    file_name: str = ""
    gnu_build_id: str = ""
    go_build_id: str = ""
    path: str = ""
    """Full path on the profiled host when the agent told it (main executables)."""
