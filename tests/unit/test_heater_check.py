"""Heater plausibility: not heating under high duty, and rising with the SSR commanded off."""

from __future__ import annotations

from control.heater_check import HeaterCheck, HeaterCheckLimits

LIMITS = HeaterCheckLimits(
    heating_gain_c=2.0, heating_period_s=60.0, heating_duty_min=0.9,
    stuck_rise_c=5.0, stuck_period_s=60.0,
)  # fmt: skip


def test_full_duty_without_gain_trips_after_the_period() -> None:
    check = HeaterCheck(LIMITS)
    assert not check.not_heating(0.0, 1.0, 100.0)
    assert not check.not_heating(59.0, 1.0, 101.0)
    assert check.not_heating(60.0, 1.0, 101.0)


def test_progress_restarts_the_window() -> None:
    check = HeaterCheck(LIMITS)
    for t in range(0, 600, 10):
        assert not check.not_heating(float(t), 1.0, 20.0 + t * 0.1)


def test_low_duty_never_counts_as_not_heating() -> None:
    check = HeaterCheck(LIMITS)
    assert not any(check.not_heating(float(t), 0.5, 100.0) for t in range(0, 600, 10))


def test_rising_with_duty_zero_is_stuck_on() -> None:
    check = HeaterCheck(LIMITS)
    temps = [200.0 + 0.1 * t for t in range(0, 60)]
    results = [check.stuck_on(float(t), 0.0, c) for t, c in enumerate(temps)]
    assert not any(results[:50]) and results[-1]


def test_slow_drift_over_hours_is_not_stuck_on() -> None:
    check = HeaterCheck(LIMITS)  # 4 °C per minute window would trip; 1 °C per 10 min must not
    assert not any(check.stuck_on(float(t), 0.0, 20.0 + t / 600) for t in range(0, 7200, 5))


def test_any_duty_resets_the_stuck_window() -> None:
    check = HeaterCheck(LIMITS)
    for t in range(30):
        check.stuck_on(float(t), 0.0, 200.0 + t * 0.1)
    check.stuck_on(30.0, 0.3, 203.0)
    assert not check.stuck_on(31.0, 0.0, 206.0)
