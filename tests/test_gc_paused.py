"""The collector pause restores the collector's state, also after an error."""

from __future__ import annotations

import gc

import pytest

from devfiler.gc_paused import paused_gc


def test_pauses_and_restores() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_restores_after_an_error_and_keeps_a_disabled_collector_off() -> None:
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
