"""A following range moves its views with new data, or after RESULTS_STEP_NS without."""

from __future__ import annotations

from devfiler.ui.time_range import NS, RESULTS_STEP_NS, TimeRange

HOUR = 3600 * NS
NOW = 1_750_000_000 * NS


def test_without_new_data_the_views_keep_their_range_for_a_step() -> None:
    shown = TimeRange.following(HOUR, NOW).advanced(NOW)
    for second in range(1, RESULTS_STEP_NS // NS):
        moved = shown.advanced(NOW + second * NS)
        assert moved.end_ns > shown.end_ns
        assert moved.results_range(shown, new_data=False) is shown


def test_the_views_catch_up_after_a_step_without_new_data() -> None:
    shown = TimeRange.following(HOUR, NOW).advanced(NOW)
    moved = shown.advanced(NOW + RESULTS_STEP_NS)
    assert moved.results_range(shown, new_data=False) == moved


def test_new_data_moves_the_views_at_once() -> None:
    shown = TimeRange.following(HOUR, NOW).advanced(NOW)
    moved = shown.advanced(NOW + NS)
    assert moved.results_range(shown, new_data=True) == moved


def test_a_fixed_range_or_another_duration_is_taken_at_once() -> None:
    shown = TimeRange.following(HOUR, NOW).advanced(NOW)
    fixed = shown.frozen(shown.start_ns + NS, shown.end_ns)
    assert fixed.results_range(shown, new_data=False) == fixed
    shorter = TimeRange.following(HOUR // 4, NOW).advanced(NOW)
    assert shorter.results_range(shown, new_data=False) == shorter
    assert shown.results_range(None, new_data=False) == shown


def test_a_range_moved_back_is_taken_at_once() -> None:
    shown = TimeRange.following(HOUR, NOW).advanced(NOW + 2 * NS)
    earlier = TimeRange.following(HOUR, NOW).advanced(NOW)
    assert earlier.results_range(shown, new_data=False) == earlier
