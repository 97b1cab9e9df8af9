"""The in-memory log ring behind the Log tab, on real loggers."""

from __future__ import annotations

import logging
import threading

from devfiler.log_ring import LogRing


def test_ring_keeps_the_newest_records_with_their_source_and_level() -> None:
    ring = LogRing(capacity=3)
    logger = logging.getLogger("devfiler.test.ring")
    logger.addHandler(ring)
    logger.setLevel(logging.DEBUG)
    try:
        for n in range(5):
            logger.info("record %d", n)
        logger.warning("careful")
    finally:
        logger.removeHandler(ring)
    entries = ring.entries()
    assert [e.message for e in entries] == ["record 3", "record 4", "careful"]
    assert entries[-1].level_name == "WARNING"
    assert entries[-1].source == "devfiler.test.ring"
    assert ring.last_seq == 6


def test_exceptions_are_summarised_and_threads_may_log_at_once() -> None:
    ring = LogRing(capacity=10_000)
    logger = logging.getLogger("devfiler.test.threads")
    logger.addHandler(ring)
    try:
        try:
            raise ValueError("broken input")
        except ValueError:
            logger.exception("could not parse")

        def spam() -> None:
            for _ in range(500):
                logger.error("x")

        threads = [threading.Thread(target=spam) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        logger.removeHandler(ring)
    entries = ring.entries()
    assert entries[0].message == "could not parse (ValueError: broken input)"
    assert len(entries) == 2001
    assert [e.seq for e in entries] == list(range(1, 2002))
