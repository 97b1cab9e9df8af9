"""Double-clicks judged by when the presses arrived, not by when slow frames took them."""

from __future__ import annotations

import time

from devfiler.ui.double_click import DOUBLE_CLICK_SECONDS, DoubleClicks, PressClock


def test_presses_close_in_time_and_place_make_one_double_click() -> None:
    clicks = DoubleClicks(PressClock())
    assert not clicks.press(10.0, 100, 50)
    assert clicks.press(10.2, 102, 51)
    # The pair is used up: a third press starts a new one.
    assert not clicks.press(10.3, 102, 51)
    assert not clicks.press(10.3 + DOUBLE_CLICK_SECONDS + 0.01, 102, 51)
    assert not clicks.press(20.0, 100, 50)
    assert not clicks.press(20.1, 140, 50), "too far from the first press"


def test_frames_take_the_presses_in_arrival_order() -> None:
    clock = PressClock()
    clock.pressed()
    clock.pressed()
    arrived = time.monotonic()
    clock.next_frame(clicked=False)
    assert clock.current is None
    clock.next_frame(clicked=True)
    first = clock.current
    assert first is not None and first <= arrived
    clock.next_frame(clicked=False)
    assert clock.current is None
    clock.next_frame(clicked=True)
    second = clock.current
    assert second is not None and first <= second <= arrived
    # Frames with a press GLFW did not report (no callback) fall back to None.
    clock.next_frame(clicked=True)
    assert clock.current is None


def test_a_slow_frame_between_the_presses_does_not_split_the_double_click() -> None:
    clock = PressClock()
    clicks = DoubleClicks(clock)
    clock.pressed()
    clock.pressed()
    time.sleep(DOUBLE_CLICK_SECONDS + 0.1)
    clock.next_frame(clicked=True)
    assert clock.current is not None
    assert not clicks.press(clock.current, 10, 10)
    time.sleep(0.2)
    clock.next_frame(clicked=True)
    assert clock.current is not None
    assert clicks.press(clock.current, 10, 10)
