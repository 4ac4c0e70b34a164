"""Motor ramp: bounded acceleration both ways, max_rpm clamp, category-0 stop, step frequency."""

from __future__ import annotations

import itertools

import pytest

from control.ramp import MotorRamp, rpm_to_step_hz

TICK_S = 0.05


def run(ramp: MotorRamp, start_s: float, duration_s: float) -> list[float]:
    """Update every tick from start_s for duration_s; return the rpm after each update."""
    return [ramp.update(start_s + i * TICK_S) for i in range(1, round(duration_s / TICK_S) + 1)]


def test_speeds_up_no_faster_than_accel_and_reaches_target() -> None:
    ramp = MotorRamp(accel_rpm_s=20, max_rpm=60)
    ramp.update(0.0)
    ramp.set_target(30)
    rpms = run(ramp, 0.0, 2.0)
    steps = [b - a for a, b in itertools.pairwise([0.0, *rpms])]
    assert max(steps) <= 20 * TICK_S + 1e-9
    assert rpms[round(1.0 / TICK_S) - 1] == pytest.approx(20.0)  # 1 s in: 20 rpm, still ramping
    assert rpms[-1] == 30.0  # 1.5 s in: there, and it stays there
    assert ramp.running


def test_slows_down_no_faster_than_accel_and_stops() -> None:
    ramp = MotorRamp(accel_rpm_s=20, max_rpm=60)
    ramp.update(0.0)
    ramp.set_target(30)
    run(ramp, 0.0, 2.0)
    ramp.set_target(0)
    rpms = run(ramp, 2.0, 2.0)
    assert rpms[round(1.0 / TICK_S) - 1] == pytest.approx(10.0)
    assert min(b - a for a, b in itertools.pairwise(rpms)) >= -20 * TICK_S - 1e-9
    assert rpms[-1] == 0.0
    assert not ramp.running


def test_running_stays_true_while_ramping_down() -> None:
    ramp = MotorRamp(accel_rpm_s=20, max_rpm=60)
    ramp.update(0.0)
    ramp.set_target(10)
    run(ramp, 0.0, 1.0)
    ramp.set_target(0)
    ramp.update(1.25)
    assert ramp.rpm == pytest.approx(5.0)
    assert ramp.running


def test_target_above_max_is_clamped() -> None:
    ramp = MotorRamp(accel_rpm_s=100, max_rpm=60)
    ramp.update(0.0)
    ramp.set_target(500)
    assert max(run(ramp, 0.0, 5.0)) == 60.0
    assert ramp.target_rpm == 60.0


def test_a_long_gap_does_not_exceed_target() -> None:
    ramp = MotorRamp(accel_rpm_s=20, max_rpm=60)
    ramp.update(0.0)
    ramp.set_target(30)
    assert ramp.update(100.0) == 30.0


def test_stop_now_is_immediate_and_stays_stopped() -> None:
    ramp = MotorRamp(accel_rpm_s=20, max_rpm=60)
    ramp.update(0.0)
    ramp.set_target(40)
    run(ramp, 0.0, 3.0)
    ramp.stop_now()
    assert ramp.rpm == 0.0
    assert not ramp.running
    assert ramp.update(3.05) == 0.0  # the old target is gone


def test_first_update_only_starts_the_clock() -> None:
    ramp = MotorRamp(accel_rpm_s=20, max_rpm=60)
    ramp.set_target(30)
    assert ramp.update(1000.0) == 0.0
    assert ramp.update(1000.5) == pytest.approx(10.0)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_bad_targets_are_refused(bad: float) -> None:
    ramp = MotorRamp(accel_rpm_s=20, max_rpm=60)
    with pytest.raises(ValueError):
        ramp.set_target(bad)


def test_time_going_backwards_is_refused() -> None:
    ramp = MotorRamp(accel_rpm_s=20, max_rpm=60)
    ramp.update(5.0)
    with pytest.raises(ValueError):
        ramp.update(4.0)


def test_step_frequency_for_the_default_screw() -> None:
    # 30 rpm = 0.5 rev/s; 200 full steps × 8 microsteps = 1600 pulses per rev
    assert rpm_to_step_hz(30, steps_per_rev=200, microsteps=8) == pytest.approx(800.0)
    assert rpm_to_step_hz(60, steps_per_rev=200, microsteps=16) == pytest.approx(3200.0)
    assert rpm_to_step_hz(0, steps_per_rev=200, microsteps=8) == 0.0
