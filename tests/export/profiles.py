"""A store whose frames all have names, for exports that other tools read back.

Native frames are symbolized through a symbol table (one with an inline
chain), plus an agent-symbolized Python frame; three threads of two
processes, on-CPU and off-CPU events.
"""

from __future__ import annotations

from pathlib import Path

from devfiler.model import SampleKind, SourceLine
from devfiler.storage.store import Store
from tests.analysis.stores import (
    APP,
    CRON,
    ENTRY,
    LIBC,
    MAIN,
    MEMCPY,
    SECOND,
    T0,
    WORK,
    WORK_AGAIN,
    WORKER,
    DictSymbols,
    Event,
    make_store,
    python,
)

HANDLER = python("handler", "app.py", 3)
SYMBOLS = {
    (APP, 0x100): (SourceLine("main", "main.c", 5),),
    (APP, 0x200): (SourceLine("work", "work.c", 10), SourceLine("helper", "helper.h", 3)),
    (APP, 0x210): (SourceLine("work", "work.c", 12),),
    (LIBC, 0x300): (SourceLine("memcpy", "string.c", 40),),
}
"""Every native frame's inline chain, outermost first: 0x200 is helper() inlined in work()."""

STACKS = (
    (MEMCPY, WORK, ENTRY),
    (WORK, ENTRY),
    (WORK_AGAIN, WORK, ENTRY),
    (HANDLER, WORK, ENTRY),
)


def events() -> list[Event]:
    made = []
    for i in range(60):
        context = (MAIN, WORKER, CRON)[i % 3]
        stack = STACKS[(i * 7) % len(STACKS)] if i % 5 else STACKS[0]
        made.append(Event(T0 + i * SECOND // 10, stack, context))
    made += [
        Event(
            T0 + i * SECOND // 7, STACKS[i % 2], (MAIN, CRON)[i % 2], SampleKind.OFF_CPU, 1000 * i
        )
        for i in range(1, 15)
    ]
    return made


def named_store(path: Path) -> Store:
    return make_store(path, events())


def symbols() -> DictSymbols:
    return DictSymbols(SYMBOLS)
