"""Background slots: new keys compute once, old results stay until new ones land."""

from __future__ import annotations

import threading

from devfiler.ui.background import Background


def test_keeps_last_result_until_the_new_key_is_computed() -> None:
    work = Background(workers=1)
    try:
        assert work.request("flame", 1, lambda: "one") is None
        assert work.wait_ready([("flame", 1)], 30.0)
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
        assert work.wait_ready([("flame", 2)], 30.0)
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
        assert work.wait_ready([("top", "c")], 30.0)
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
        assert work.wait_ready([("t", 1)], 30.0)
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
        assert work.wait_ready([("strips", 1)], 30.0)
        last = work.last("strips")
        assert last is not None and (last.key, last.value) == (1, "one")
        assert not work.busy()
    finally:
        work.close()


def test_waiting_for_some_jobs_does_not_wait_for_the_others() -> None:
    work = Background(workers=2)
    gate = threading.Event()
    try:
        work.request("heat", 1, lambda: gate.wait(30))
        work.request("flame", 1, lambda: "drawn")
        assert work.wait_ready([("flame", 1)], 30.0)
        assert work.busy(), "the other job still runs"
        assert not work.wait_ready([("heat", 1)], 0.05)
    finally:
        gate.set()
        work.close()
