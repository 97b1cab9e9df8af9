"""Background slots: new keys compute once, old results stay until new ones land."""

from __future__ import annotations

import threading

from devfiler.ui.background import Background


def wait_ready(work: Background, slot: str, key: object) -> None:
    while not work.ready(slot, key):
        work.wait(1.0)


def test_keeps_last_result_until_the_new_key_is_computed() -> None:
    work = Background(workers=1)
    try:
        assert work.request("flame", 1, lambda: "one") is None
        wait_ready(work, "flame", 1)
        gate = threading.Event()

        def slow() -> str:
            gate.wait(10)
            return "two"

        outcome = work.request("flame", 2, slow)
        assert outcome is not None and outcome.value == "one"
        again = work.request("flame", 2, lambda: "never submitted")
        assert again is not None and again.value == "one"
        assert work.busy()
        gate.set()
        wait_ready(work, "flame", 2)
        final = work.request("flame", 2, lambda: "unused")
        assert final is not None and final.value == "two" and not work.busy()
    finally:
        work.close()


def test_overtaken_jobs_are_dropped_and_errors_reported() -> None:
    work = Background(workers=2)
    try:
        gate = threading.Event()

        def stale() -> str:
            gate.wait(10)
            return "stale"

        work.request("top", "a", stale)
        work.request("top", "b", lambda: "fresh")
        wait_ready(work, "top", "b")
        gate.set()
        work.close()
        outcome = work.request("top", "b", lambda: "x")
        assert outcome is not None and outcome.value == "fresh"
    finally:
        work.close()
    failing = Background(workers=1)
    try:

        def broken() -> str:
            raise ValueError("no data")

        failing.request("t", 1, broken)
        wait_ready(failing, "t", 1)
        outcome = failing.request("t", 1, broken)
        assert outcome is not None and outcome.value is None
        assert outcome.error == "ValueError: no data"
    finally:
        failing.close()
