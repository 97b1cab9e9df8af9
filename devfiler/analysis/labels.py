"""What a stack frame is called: labels for the GUI and for collapsed stacks.

Each distinct frame of a query is resolved once: agent-symbolized frames use
their stored lines, native frames ask the symbol store (inline chain,
outermost first), abort and error frames get the unwinder's error name, and
anything unknown is shown with its kind name rather than hidden.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from devfiler.model import Executable, FileId, Frame, FrameId, FrameKind, SourceLine


class SymbolLookup(Protocol):
    """Symbols of native frames; an empty tuple means unknown."""

    def lookup(
        self, file_id: FileId, addresses: npt.NDArray[np.uint64]
    ) -> list[tuple[SourceLine, ...]]: ...


@dataclass(frozen=True, slots=True)
class LabeledFrame:
    """One box a stack frame shows as; an inline chain gives several.

    `function` / `file` identify the function for top functions and
    sandwich views (unsymbolized frames use their label as the function).
    `kind` is None for the boxes that are no frame (root, thread).
    """

    label: str
    collapsed: str
    kind: FrameKind | None
    function: str
    file: str = ""
    key: str = ""
    kind_name: str = ""
    inline: bool = False
    error: bool = False
    file_id: FileId | None = None
    address: int | None = None
    source: SourceLine | None = None
    """The symbolized position shown, None when the frame is shown by address or error
    (exporters write it as a function and line)."""

    @property
    def function_key(self) -> tuple[int, str, str, str]:
        kind = -1 if self.kind is None else int(self.kind)
        return kind, self.kind_name, self.function, self.file


@functools.cache
def unwind_error_names() -> Mapping[int, str]:
    """Unwinder error code -> name, as shipped in resources/unwind_errors.json."""
    text = importlib.resources.files("devfiler.resources").joinpath("unwind_errors.json")
    codes = json.loads(text.read_text(encoding="utf-8"))["codes"]
    return {int(code): name for code, name in codes.items()}


def error_name(code: int) -> str:
    return unwind_error_names().get(code, f"error_{code}")


def thread_frame(name: str) -> LabeledFrame:
    """The box of a thread (comm) below the root."""
    shown = name or "(no thread name)"
    return LabeledFrame(shown, shown, None, shown, key=f"thread:{name}")


def root_frame(label: str) -> LabeledFrame:
    return LabeledFrame(label, label, None, label, key="")


def _where(line: SourceLine, separator: str) -> str:
    """` in file:line` (GUI) or ` (file:line)` (collapsed); empty without a file."""
    if not line.file:
        return ""
    position = f"{line.file}:{line.line}" if line.line else line.file
    return f" in {position}" if separator == "in" else f" ({position})"


def _kind_name(kind: FrameKind, kind_name: str) -> str:
    if kind is FrameKind.OTHER:
        return kind_name or "other"
    return kind.display_name


class FrameLabeler:
    """Resolves distinct frames to their boxes, looking each one up once."""

    def __init__(
        self,
        executables: Sequence[Executable],
        symbols: SymbolLookup | None = None,
    ) -> None:
        self._exe_names = {
            exe.file_id: os.path.basename(exe.file_name) or exe.file_name for exe in executables
        }
        self._symbols = symbols

    def resolve(
        self,
        frames: Sequence[tuple[FrameId, FrameKind]],
        records: Sequence[Frame | None],
    ) -> list[tuple[LabeledFrame, ...]]:
        """Boxes of every frame, outermost first; `records[i]` is the agent's record of frame
        i, None for frames without one (Store.frame_records): no frame ID is hashed."""
        native_lines = self._native_lines(frames, records)
        return [
            self._labels(frame_id, kind, record, native_lines.get(i, ()))
            for i, ((frame_id, kind), record) in enumerate(zip(frames, records, strict=True))
        ]

    def _native_lines(
        self, frames: Sequence[tuple[FrameId, FrameKind]], records: Sequence[Frame | None]
    ) -> dict[int, tuple[SourceLine, ...]]:
        """Ask the symbol store once per executable for all its addresses; chains found by
        frame position."""
        if self._symbols is None:
            return {}
        by_file: dict[FileId, list[int]] = defaultdict(list)
        for i, ((frame_id, kind), record) in enumerate(zip(frames, records, strict=True)):
            if kind.is_native_like and (record is None or not record.lines):
                by_file[frame_id.file_id].append(i)
        found: dict[int, tuple[SourceLine, ...]] = {}
        for file_id, positions in by_file.items():
            addresses = np.array([frames[i][0].address for i in positions], dtype=np.uint64)
            chains = self._symbols.lookup(file_id, addresses)
            for i, chain in zip(positions, chains, strict=True):
                if chain:
                    found[i] = chain
        return found

    def _labels(
        self,
        frame_id: FrameId,
        kind: FrameKind,
        record: Frame | None,
        native: tuple[SourceLine, ...],
    ) -> tuple[LabeledFrame, ...]:
        kind_name = record.kind_name if record is not None else ""
        error = record is not None and record.error_code is not None
        base_key = f"{frame_id.file_id.hex()}:{frame_id.address:x}"
        mapping_file_id = record.mapping_file_id if record is not None else None
        file_id = mapping_file_id or frame_id.file_id

        def box(
            label: str,
            collapsed: str,
            function: str,
            file: str = "",
            depth: int = 0,
            source: SourceLine | None = None,
        ) -> LabeledFrame:
            return LabeledFrame(
                label,
                collapsed,
                kind,
                function,
                file,
                key=base_key if depth == 0 else f"{base_key}/{depth}",
                kind_name=kind_name,
                inline=depth > 0,
                error=error,
                file_id=file_id,
                address=frame_id.address,
                source=source,
            )

        if record is not None and record.error_code is not None:
            name = error_name(record.error_code)
            if kind is FrameKind.ABORT:
                text = f"<unwinding aborted: {name}>"
                return (box(text, text, text),)
            text = f"<unwinding error: {name}>"
            return (box(f"{text} [{_kind_name(kind, kind_name)}]", text, text),)
        unknown_kind = kind in (FrameKind.OTHER, FrameKind.UNKNOWN)
        suffix = f" [{_kind_name(kind, kind_name)}]"
        collapsed_suffix = suffix if unknown_kind else ""
        exe = self._exe_name(file_id, record)
        if native:
            return tuple(
                box(
                    f"{exe}: {line.function}{_where(line, 'in')}" + (" [Inline]" if depth else ""),
                    f"{exe}: {line.function}{_where(line, '()')}",
                    line.function,
                    line.file,
                    depth,
                    line,
                )
                for depth, line in enumerate(native)
            )
        if record is not None and record.lines:
            shown = "" if kind is FrameKind.NATIVE else suffix
            prefix = f"{exe}: " if kind is FrameKind.NATIVE else ""
            return tuple(
                box(
                    f"{prefix}{line.function}{_where(line, 'in')}{shown}"
                    + (" [Inline]" if depth else ""),
                    f"{line.function}{_where(line, '()')}{collapsed_suffix}",
                    line.function,
                    line.file,
                    depth,
                    line,
                )
                for depth, line in enumerate(record.lines)
            )
        text = f"{exe}+0x{frame_id.address:x}"
        label = text if kind.is_native_like else f"{text}{suffix}"
        return (box(label, f"{text}{collapsed_suffix}", text),)

    def _exe_name(self, file_id: FileId, record: Frame | None) -> str:
        name = self._exe_names.get(file_id)
        if name:
            return name
        if record is not None and record.mapping_name:
            return os.path.basename(record.mapping_name) or record.mapping_name
        return "<unknown>"
