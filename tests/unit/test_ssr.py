"""SSR time-proportioning: on-time per window tracks the duty to within a tick, without bursts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from control.ssr import TimeProportioner

TICK_S = 0.05
WINDOW_S = 1.0
N = 20  # ticks per window


def drive(ssr: TimeProportioner, duties: list[float], start_tick: int = 0) -> list[bool]:
    return [ssr.update((start_tick + i) * TICK_S, d) for i, d in enumerate(duties)]


def windows(states: list[bool]) -> list[int]:
    """On-ticks in each full window."""
    return [sum(states[i : i + N]) for i in range(0, len(states) - N + 1, N)]


@pytest.mark.parametrize("duty", [0.0, 0.05, 0.25, 0.43, 0.5, 0.61, 0.99, 1.0])
def test_each_window_holds_duty_times_window_within_a_tick(duty: float) -> None:
    states = drive(TimeProportioner(WINDOW_S, TICK_S), [duty] * (N * 50))
    for on_ticks in windows(states):
        assert abs(on_ticks - duty * N) <= 1.0


def test_duty_zero_is_never_on_and_one_always_on() -> None:
    assert not any(drive(TimeProportioner(WINDOW_S, TICK_S), [0.0] * 500))
    assert all(drive(TimeProportioner(WINDOW_S, TICK_S), [1.0] * 500))


def test_out_of_range_duties_are_clamped() -> None:
    assert not any(drive(TimeProportioner(WINDOW_S, TICK_S), [-0.5] * 100))
    assert all(drive(TimeProportioner(WINDOW_S, TICK_S), [1.5] * 100))


def test_small_duty_is_not_lost_to_rounding() -> None:
    # 1 % of a 20-tick window is a fifth of a tick: the carried remainder still delivers it
    states = drive(TimeProportioner(WINDOW_S, TICK_S), [0.01] * (N * 100))
    assert sum(states) == 20


def test_one_block_per_window_starting_at_the_window() -> None:
    states = drive(TimeProportioner(WINDOW_S, TICK_S), [0.5] * N)
    assert states == [True] * 10 + [False] * 10


def test_lower_duty_mid_window_cuts_the_block_short() -> None:
    ssr = TimeProportioner(WINDOW_S, TICK_S)
    states = drive(ssr, [0.8] * 5 + [0.1] * 15)
    assert sum(states) == 5  # already past the new 2-tick block: off for the rest of the window
    assert states[5:] == [False] * 15


def test_higher_duty_mid_window_takes_effect_without_a_burst() -> None:
    ssr = TimeProportioner(WINDOW_S, TICK_S)
    states = drive(ssr, [0.2] * 10 + [0.6] * 10)
    # 4 ticks at 0.2 were used; the new duty allows 12 in this window, not 4 + 12
    assert sum(states) == 12
    assert states[10] is True  # takes effect at once, within the window


def test_duty_to_zero_switches_off_at_once() -> None:
    ssr = TimeProportioner(WINDOW_S, TICK_S)
    assert drive(ssr, [1.0] * 3 + [0.0]) == [True, True, True, False]


def test_long_gap_starts_a_fresh_window() -> None:
    ssr = TimeProportioner(WINDOW_S, TICK_S)
    drive(ssr, [0.5] * 15)
    assert drive(ssr, [0.5] * N, start_tick=1000) == [True] * 10 + [False] * 10


@settings(max_examples=60, deadline=None)
@given(duty=st.floats(min_value=0.0, max_value=1.0), windows_n=st.integers(5, 40))
def test_average_on_fraction_equals_duty(duty: float, windows_n: int) -> None:
    states = drive(TimeProportioner(WINDOW_S, TICK_S), [duty] * (N * windows_n))
    per_window = windows(states)
    assert all(abs(on - duty * N) <= 1.0 for on in per_window)
    assert abs(sum(states) / len(states) - duty) <= 1.0 / (N * windows_n) + 1e-9


@settings(max_examples=60, deadline=None)
@given(duties=st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=N, max_size=10 * N))
def test_a_window_never_exceeds_its_highest_duty_plus_a_tick(duties: list[float]) -> None:
    states = drive(TimeProportioner(WINDOW_S, TICK_S), duties)
    for i in range(0, len(states) - N + 1, N):
        assert sum(states[i : i + N]) <= max(duties[i : i + N]) * N + 1.0


def test_window_must_hold_two_ticks() -> None:
    with pytest.raises(ValueError):
        TimeProportioner(window_s=0.05, tick_s=0.05)
