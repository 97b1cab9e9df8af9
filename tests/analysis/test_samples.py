"""The samples behind a frame: by function, frame ID or flamegraph path, with their contexts."""

from __future__ import annotations

from pathlib import Path

import pytest

from devfiler.analysis.results import Selection
from devfiler.analysis.samples import FrameTarget, samples_behind, sorted_samples
from devfiler.analysis.shape_options import IgnoreAction, IgnoreRule, StackShape
from tests.analysis.stores import (
    CRON,
    MAIN,
    S1,
    S2,
    SECOND,
    T0,
    WORK_SYMBOLS,
    WORKER,
    DictSymbols,
    Event,
    make_store,
)

EVENTS = [
    Event(T0 + 3, S1, MAIN),
    Event(T0 + 1, S1, WORKER),
    Event(T0 + 2, S2, CRON),
    Event(T0 + 5 * SECOND, S2, MAIN, weight=7),
]


def test_by_function_with_contexts_in_time_order(tmp_path: Path) -> None:
    with make_store(tmp_path, EVENTS) as store:
        result = samples_behind(
            store, Selection(), DictSymbols(WORK_SYMBOLS), FrameTarget(function="work")
        )
    assert result.total == 4 and result.total_weight == 4
    assert [(row.time_ns - T0, row.thread, row.tid, row.pid) for row in result.rows] == [
        (1, "worker", 2, 100),
        (2, "cron", 3, 200),
        (3, "main", 1, 100),
        (5 * SECOND, "main", 1, 100),
    ]
    assert result.rows[0].executable == "/usr/bin/app"
    assert result.rows[0].container == "c0ffee1234"
    by_pid = sorted_samples(result.rows, "pid", descending=True)
    assert by_pid[0].thread == "cron"


def test_by_frame_id_with_a_limit(tmp_path: Path) -> None:
    memcpy = f"{S1[0].id.file_id.hex()}:{S1[0].id.address:x}"
    with make_store(tmp_path, EVENTS) as store:
        result = samples_behind(store, Selection(), None, FrameTarget(frame_id=memcpy), limit=1)
    assert result.total == 2 and [row.thread for row in result.rows] == ["worker"]


def test_by_flamegraph_path_after_reshaping(tmp_path: Path) -> None:
    entry, work = (f"{f.id.file_id.hex()}:{f.id.address:x}" for f in (S2[1], S2[0]))
    with make_store(tmp_path, EVENTS) as store:
        under_main = samples_behind(
            store, Selection(), None, FrameTarget(path=("main", entry, work))
        )
        cut = Selection(shape=StackShape(ignore=(IgnoreRule(r"\+0x200", IgnoreAction.HIDE),)))
        hidden = samples_behind(store, cut, None, FrameTarget(path=("main", entry, work)))
    assert under_main.total == 2 and under_main.total_weight == 2
    assert hidden.total == 0, "the frame is hidden: no box has that path"


def test_a_target_names_one_frame() -> None:
    with pytest.raises(ValueError, match="one of function, frame ID or path"):
        FrameTarget(function="a", frame_id="b")
    with pytest.raises(ValueError, match="unknown column"):
        sorted_samples((), "colour")
