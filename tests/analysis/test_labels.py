"""Frame labels: native, agent-symbolized, inline chains, abort, error and unknown frames."""

from __future__ import annotations

from devfiler.analysis.labels import FrameLabeler, error_name
from devfiler.model import Executable, FileId, Frame, FrameId, FrameKind, SourceLine
from tests.analysis.stores import APP, EXECUTABLES, MEMCPY, WORK, DictSymbols, python


def _resolve(frame: Frame, symbols: DictSymbols | None = None) -> list[tuple[str, str, bool]]:
    labeler = FrameLabeler(EXECUTABLES, symbols)
    record = frame if frame.lines or frame.error_code is not None else None
    (chain,) = labeler.resolve([(frame.id, frame.kind)], [record])
    return [(box.label, box.collapsed, box.inline) for box in chain]


def test_unsymbolized_native_frame_is_exe_plus_address() -> None:
    assert _resolve(MEMCPY) == [("libc.so.6+0x300", "libc.so.6+0x300", False)]


def test_executable_name_is_the_file_name_without_directories() -> None:
    assert _resolve(WORK)[0][0] == "app+0x200"


def test_unknown_executable_falls_back_to_the_mapping_name() -> None:
    frame = Frame(FrameId(FileId(0x77), 0x10), FrameKind.NATIVE, mapping_name="/lib/x.so")
    labeler = FrameLabeler([], None)
    (chain,) = labeler.resolve([(frame.id, frame.kind)], [frame])
    assert chain[0].label == "x.so+0x10"
    (chain,) = labeler.resolve([(frame.id, frame.kind)], [None])
    assert chain[0].label == "<unknown>+0x10"


def test_inline_chain_expands_outermost_first() -> None:
    symbols = DictSymbols(
        {(APP, 0x200): (SourceLine("work", "work.c", 10), SourceLine("helper", "util.h", 3))}
    )
    assert _resolve(WORK, symbols) == [
        ("app: work in work.c:10", "app: work (work.c:10)", False),
        ("app: helper in util.h:3 [Inline]", "app: helper (util.h:3)", True),
    ]
    assert symbols.calls == [(APP, [0x200])]


def test_symbols_are_looked_up_once_per_executable() -> None:
    symbols = DictSymbols({})
    labeler = FrameLabeler(EXECUTABLES, symbols)
    frames = [(WORK.id, FrameKind.NATIVE), (MEMCPY.id, FrameKind.NATIVE)]
    frames.append((FrameId(APP, 0x500), FrameKind.NATIVE))
    labeler.resolve(frames, [None] * len(frames))
    assert sorted(symbols.calls, key=lambda c: c[0]) == [
        (APP, [0x200, 0x500]),
        (FileId(0xB2), [0x300]),
    ]


def test_agent_symbolized_frames() -> None:
    assert _resolve(python("handle", "app.py", 42)) == [
        ("handle in app.py:42 [Python]", "handle (app.py:42)", False)
    ]
    go = Frame(FrameId(FileId(0x60), 1), FrameKind.GO, (SourceLine("main.run"),))
    assert _resolve(go) == [("main.run [Go]", "main.run", False)]
    kernel = Frame(FrameId(FileId(0x61), 2), FrameKind.KERNEL, (SourceLine("do_syscall_64"),))
    assert _resolve(kernel) == [("do_syscall_64 [Kernel]", "do_syscall_64", False)]
    no_line = Frame(FrameId(FileId(0x62), 3), FrameKind.RUBY, (SourceLine("each", "a.rb"),))
    assert _resolve(no_line) == [("each in a.rb [Ruby]", "each (a.rb)", False)]


def test_abort_and_error_frames_are_named_by_their_code() -> None:
    abort = Frame(FrameId(FileId(0xAB), 2), FrameKind.ABORT, error_code=2)
    text = "<unwinding aborted: stack_length_exceeded>"
    assert _resolve(abort) == [(text, text, False)]
    error = Frame(FrameId(FileId(0xEE), 2000), FrameKind.CPYTHON, error_code=2000)
    assert _resolve(error) == [
        (
            "<unwinding error: python_bad_code_object_addr> [Python]",
            "<unwinding error: python_bad_code_object_addr>",
            False,
        )
    ]
    assert error_name(999_999) == "error_999999"


def test_unknown_kinds_show_their_name() -> None:
    lua = Frame(
        FrameId(FileId(0xDD), 7), FrameKind.OTHER, (SourceLine("f", "a.lua", 3),), kind_name="zig"
    )
    assert _resolve(lua) == [("f in a.lua:3 [zig]", "f (a.lua:3) [zig]", False)]
    bare = Frame(FrameId(FileId(0xDE), 9), FrameKind.UNKNOWN, (SourceLine("g"),))
    assert _resolve(bare) == [("g [Unknown]", "g [Unknown]", False)]


def test_executable_names_come_from_the_store_records() -> None:
    labeler = FrameLabeler([Executable(FileId(5), "/opt/bin/server")], None)
    (chain,) = labeler.resolve([(FrameId(FileId(5), 0xAB), FrameKind.NATIVE)], [None])
    assert chain[0].label == "server+0xab"
