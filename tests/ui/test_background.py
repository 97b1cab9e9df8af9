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
        again = work.request("flame", 2, lambda: "never run")
        assert again is not None and again.value == "one"
        assert work.busy()
        gate.set()
        wait_ready(work, "flame", 2)
        final = work.request("flame", 2, lambda: "never run")
        assert final is not None and final.value == "two" and not work.busy()
    finally:
        work.close()


def test_keys_asked_meanwhile_collapse_into_the_newest() -> None:
    work = Background(workers=2)
    runs: list[str] = []
    gate = threading.Event()

    def job(name: str) -> str:
        if name == "a":
            gate.wait(10)
        runs.append(name)
        return name

    try:
        work.request("top", "a", lambda: job("a"))
        work.request("top", "b", lambda: job("b"))
        work.request("top", "c", lambda: job("c"))
        gate.set()
        wait_ready(work, "top", "c")
        assert runs == ["a", "c"]
        outcome = work.request("top", "c", lambda: job("x"))
        assert outcome is not None and outcome.value == "c"
    finally:
        work.close()


def test_errors_are_reported_as_outcomes() -> None:
    work = Background(workers=1)

    def broken() -> str:
        raise ValueError("no data")

    try:
        work.request("t", 1, broken)
        wait_ready(work, "t", 1)
        outcome = work.request("t", 1, broken)
        assert outcome is not None and outcome.value is None
        assert outcome.error == "ValueError: no data"
    finally:
        work.close()


def test_the_last_result_is_read_without_asking_for_one() -> None:
    work = Background(workers=1)
    try:
        assert work.last("strips") is None
        work.request("strips", 1, lambda: "one")
        wait_ready(work, "strips", 1)
        last = work.last("strips")
        assert last is not None and (last.key, last.value) == (1, "one")
        assert not work.busy()
    finally:
        work.close()
