"""PID: term signs, derivative on measurement, filtering, anti-windup, bumpless gains, heat-up."""

from __future__ import annotations

import math
import random
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plant_model import (
    AMBIENT_C,
    COUPLING_W_PER_K,
    SETPOINTS_C,
    Controller,
    Plant,
    Trace,
    first_time_at_or_above,
    full_power,
    reference_zones,
    run_loop,
    settle_time_s,
)

from control.pid import Pid

# Gains chosen on the reference plant (see plant_model.py): kp, ki, kd, d_filter_s
GAINS = {"barrel": (0.5, 0.002, 1.0, 2.0), "nozzle": (0.8, 0.002, 1.0, 2.0)}
# Duty that holds each setpoint on the reference plant, as a zone would have measured it
HOLD_DUTY = {
    "barrel": (2.0 * (200 - AMBIENT_C) - COUPLING_W_PER_K * (210 - 200)) / 800,
    "nozzle": (0.6 * (210 - AMBIENT_C) + COUPLING_W_PER_K * (210 - 200)) / 200,
}


def feed(pid: Pid, readings: list[float], setpoint_c: float, dt_s: float = 0.05) -> list[float]:
    """Update once per reading, dt_s apart, starting at t = 0."""
    return [pid.update(i * dt_s, m, setpoint_c) for i, m in enumerate(readings)]


# --- term signs -------------------------------------------------------------------------------


def test_proportional_term_pushes_toward_setpoint() -> None:
    pid = Pid(kp=0.1, ki=0.0, kd=0.0, d_filter_s=0.0)
    assert pid.update(0.0, 195.0, 200.0) == pytest.approx(0.5)  # 5 °C cold: half power
    assert pid.update(0.1, 205.0, 200.0) == 0.0  # hot: heater off
    assert pid.p_term == pytest.approx(-0.5)


def test_integral_grows_while_cold_and_shrinks_while_hot() -> None:
    pid = Pid(kp=0.0, ki=0.01, kd=0.0, d_filter_s=0.0)
    feed(pid, [198.0] * 101, 200.0, dt_s=0.1)  # 10 s at +2 °C -> 0.01 × 2 × 10
    assert pid.integral_term == pytest.approx(0.2)
    pid.update(10.1, 202.0, 200.0)
    pid.update(15.0, 202.0, 200.0)  # 5 s at -2 °C takes 0.1 back
    assert pid.integral_term == pytest.approx(0.1)


def test_rising_measurement_brakes_the_output() -> None:
    pid = Pid(kp=0.0, ki=0.0, kd=0.1, d_filter_s=0.0)
    pid.preload(0.5)
    pid.update(0.0, 100.0, 200.0)
    assert pid.update(1.0, 101.0, 200.0) == pytest.approx(0.4)  # +1 °C/s × 0.1 s
    assert pid.update(2.0, 100.0, 200.0) == pytest.approx(0.6)  # falling: pushes harder


def test_setpoint_step_gives_no_derivative_kick() -> None:
    pid = Pid(kp=0.05, ki=0.0, kd=50.0, d_filter_s=0.0)
    feed(pid, [150.0] * 10, 160.0)
    before = pid.last_output
    after = pid.update(0.5, 150.0, 170.0)  # setpoint +10 °C
    assert after - before == pytest.approx(0.05 * 10)  # only P moved
    assert pid.d_term == 0.0


def test_first_update_has_no_derivative_spike() -> None:
    pid = Pid(kp=0.01, ki=0.0, kd=100.0, d_filter_s=0.0)
    assert pid.update(1000.0, 20.0, 60.0) == pytest.approx(0.4)
    assert pid.d_term == 0.0


def test_filtered_derivative_attenuates_quantisation_noise() -> None:
    # a steady 200 °C through a 0.25 °C quantiser with noise, sampled every 0.25 s (5 ticks)
    rng = random.Random(1)
    samples = [200.0 + 0.25 * rng.choice([-1, 0, 0, 1]) for _ in range(200)]
    readings = [s for s in samples for _ in range(5)]

    def spread(d_filter_s: float) -> float:
        pid = Pid(kp=0.0, ki=0.0, kd=0.02, d_filter_s=d_filter_s)
        pid.preload(0.5)
        return statistics.pstdev(feed(pid, readings, 200.0)[100:])

    assert spread(0.0) > 0.04  # raw: 0.1 duty spikes whenever the reading changes
    assert spread(2.0) < 0.2 * spread(0.0)


def test_filtered_derivative_still_follows_a_real_ramp() -> None:
    pid = Pid(kp=0.0, ki=0.0, kd=2.0, d_filter_s=2.0)
    pid.preload(1.0)
    feed(pid, [100.0 + 0.3 * 0.05 * i for i in range(400)], 300.0)  # 0.3 °C/s for 20 s
    assert pid.d_term == pytest.approx(-2.0 * 0.3, rel=0.01)


# --- anti-windup ------------------------------------------------------------------------------


@pytest.mark.parametrize("stuck_c", [100.0, 190.0, 197.0])
def test_leaves_full_power_by_crossing_after_ten_minutes_saturated(stuck_c: float) -> None:
    pid = Pid(kp=0.08, ki=0.002, kd=0.0, d_filter_s=0.0)
    dt_s, now_s, temp_c = 0.05, 0.0, stuck_c
    while now_s < 600.0:  # a heater too weak to reach 200 °C for 10 min: full power throughout
        pid.update(now_s, temp_c, 200.0)
        assert 0.0 <= pid.integral_term <= 1.0
        now_s += dt_s
    assert pid.last_output == 1.0
    # the integral stopped where it first saturated the output (P + I = 1), not at the clamp
    assert pid.integral_term == pytest.approx(max(0.0, 1.0 - 0.08 * (200.0 - stuck_c)))
    left_s = crossed_s = math.inf
    while temp_c < 205.0:  # then it climbs through the setpoint at 0.5 °C/s
        temp_c += 0.5 * dt_s
        if pid.update(now_s, temp_c, 200.0) < 1.0:
            left_s = min(left_s, now_s)
        if temp_c > 200.0:
            crossed_s = min(crossed_s, now_s)
        assert 0.0 <= pid.integral_term <= 1.0
        now_s += dt_s
    # an integral wound up to ki × e × 600 s would hold full power for minutes past the setpoint
    assert left_s <= crossed_s + 3.0


def test_leaves_zero_by_crossing_after_ten_minutes_too_hot() -> None:
    pid = Pid(kp=0.08, ki=0.002, kd=0.0, d_filter_s=0.0)
    pid.preload(0.6)
    now_s = 0.0
    while now_s < 600.0:
        assert pid.update(now_s, 260.0, 200.0) == 0.0
        now_s += 0.05
    assert pid.integral_term == pytest.approx(0.6)  # held, not wound down to the clamp
    temp_c = 260.0
    while temp_c > 199.5:
        temp_c -= 0.5 * 0.05
        pid.update(now_s, temp_c, 200.0)
        now_s += 0.05
    assert pid.last_output > 0.0


def test_integral_term_is_clamped_to_the_output_range() -> None:
    pid = Pid(kp=0.0, ki=0.5, kd=0.0, d_filter_s=0.0)
    for i in range(200):  # 10 s, 200 °C cold
        pid.update(i * 0.05, 0.0, 200.0)
    assert pid.integral_term == 1.0
    pid.update(10.05, 400.0, 200.0)  # one tick 200 °C hot: straight back to zero, not below
    assert pid.integral_term == 0.0
    assert pid.update(10.1, 199.0, 200.0) == pytest.approx(0.5 * 1.0 * 0.05)


# --- gains, preload, reset --------------------------------------------------------------------


def test_gain_change_is_bumpless() -> None:
    pid = Pid(kp=0.05, ki=0.001, kd=2.0, d_filter_s=2.0)
    readings = [196.0 + 0.02 * 0.05 * i for i in range(2000)]  # warming at 0.02 °C/s
    feed(pid, readings, 200.0)
    before, error_c = pid.last_output, 200.0 - readings[-1]
    assert 0.05 < before < 0.95
    pid.set_gains(kp=0.15, ki=0.004, kd=0.5)
    after = pid.update(2000 * 0.05, readings[-1] + 0.001, 200.0)
    assert after == pytest.approx(before, abs=0.005)
    # swapping the gains in without bumpless transfer would have jumped by the P and D change
    assert abs((0.15 - 0.05) * error_c - (0.5 - 2.0) * 0.02) > 0.2


def test_gain_change_before_any_update_keeps_the_preload() -> None:
    pid = Pid(kp=0.05, ki=0.001, kd=2.0, d_filter_s=2.0)
    pid.preload(0.43)
    pid.set_gains(kp=0.5, ki=0.002, kd=1.0)
    assert pid.integral_term == pytest.approx(0.43)
    assert pid.update(0.0, 200.0, 200.0) == pytest.approx(0.43)


def test_preload_starts_from_a_holding_duty_and_is_clamped() -> None:
    pid = Pid(kp=0.5, ki=0.002, kd=1.0, d_filter_s=2.0)
    pid.preload(0.43)
    assert pid.update(0.0, 200.0, 200.0) == pytest.approx(0.43)
    pid.preload(7.0)
    assert pid.integral_term == 1.0
    pid.preload(-1.0)
    assert pid.integral_term == 0.0


def test_reset_forgets_integral_and_derivative_history() -> None:
    pid = Pid(kp=0.001, ki=0.01, kd=100.0, d_filter_s=1.0)
    feed(pid, [100.0] * 100, 200.0)
    assert pid.integral_term > 0.0
    pid.reset()
    assert pid.integral_term == 0.0
    assert pid.last_output == 0.0
    # the measurement jumped while reset: no derivative spike, and time may restart
    assert pid.update(0.0, 180.0, 200.0) == pytest.approx(0.02)


# --- refused inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize("later_s", [10.0, 9.0])
def test_time_must_increase(later_s: float) -> None:
    pid = Pid(kp=0.1, ki=0.01, kd=1.0, d_filter_s=1.0)
    pid.update(10.0, 100.0, 200.0)
    with pytest.raises(ValueError):
        pid.update(later_s, 150.0, 300.0)
    reference = Pid(kp=0.1, ki=0.01, kd=1.0, d_filter_s=1.0)
    reference.update(10.0, 100.0, 200.0)
    assert pid.update(11.0, 101.0, 200.0) == reference.update(11.0, 101.0, 200.0)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("arg", ["now_s", "measured_c", "setpoint_c"])
def test_non_finite_inputs_are_refused(arg: str, bad: float) -> None:
    pid = Pid(kp=0.1, ki=0.01, kd=1.0, d_filter_s=1.0)
    pid.update(0.0, 100.0, 200.0)
    args = {"now_s": 0.5, "measured_c": 150.0, "setpoint_c": 300.0, arg: bad}
    with pytest.raises(ValueError):
        pid.update(**args)
    reference = Pid(kp=0.1, ki=0.01, kd=1.0, d_filter_s=1.0)
    reference.update(0.0, 100.0, 200.0)
    # the refused call changed nothing
    assert pid.update(1.0, 101.0, 200.0) == reference.update(1.0, 101.0, 200.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kp": -0.1, "ki": 0.0, "kd": 0.0, "d_filter_s": 0.0},
        {"kp": 0.1, "ki": math.nan, "kd": 0.0, "d_filter_s": 0.0},
        {"kp": 0.1, "ki": 0.0, "kd": 0.0, "d_filter_s": -1.0},
        {"kp": 0.1, "ki": 0.0, "kd": 0.0, "d_filter_s": 0.0, "out_min": 1.0, "out_max": 1.0},
    ],
)
def test_bad_construction_is_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Pid(**kwargs)


# --- property ---------------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@settings(max_examples=80, deadline=None)
@given(
    gains=st.tuples(st.floats(0, 10), st.floats(0, 1), st.floats(0, 1000), st.floats(0, 60)),
    steps=st.lists(st.tuples(st.floats(1e-3, 100.0), finite, finite), min_size=1, max_size=60),
    preload=st.floats(-1.0, 2.0),
)
def test_output_and_integral_stay_within_zero_and_one(
    gains: tuple[float, float, float, float],
    steps: list[tuple[float, float, float]],
    preload: float,
) -> None:
    pid = Pid(*gains)
    pid.preload(preload)
    now_s = 0.0
    for dt_s, measured_c, setpoint_c in steps:
        now_s += dt_s
        assert 0.0 <= pid.update(now_s, measured_c, setpoint_c) <= 1.0
        assert 0.0 <= pid.integral_term <= 1.0


# --- closed loop on the reference plant -------------------------------------------------------


def heat_up(preload: bool) -> Trace:
    """Both zones from ambient under their PIDs, with the 0.1 °C sensor noise of config.yaml."""
    pids = {zone: Pid(*GAINS[zone]) for zone in GAINS}
    if preload:
        for zone, pid in pids.items():
            pid.preload(HOLD_DUTY[zone])

    def controller(zone: str) -> Controller:
        return lambda now_s, measured_c: pids[zone].update(now_s, measured_c, SETPOINTS_C[zone])

    return run_loop(Plant(reference_zones(), noise_c=0.1), {z: controller(z) for z in pids}, 1200)


@pytest.fixture(scope="module")
def full_power_rise_s() -> dict[str, float]:
    """Time for each lagged sensor to reach its setpoint with both heaters flat out."""
    trace = run_loop(Plant(reference_zones()), {"barrel": full_power, "nozzle": full_power}, 700)
    return {
        zone: first_time_at_or_above(trace.times_s, trace.sensed_c[zone], sp)
        for zone, sp in SETPOINTS_C.items()
    }


@pytest.mark.parametrize("preload", [True, False], ids=["hold-duty-preload", "first-heat-up"])
def test_heat_up_meets_the_overshoot_and_settling_budget(
    preload: bool, full_power_rise_s: dict[str, float]
) -> None:
    trace = heat_up(preload)
    for zone, sp in SETPOINTS_C.items():
        for temps in (trace.sensed_c[zone], trace.temp_c[zone]):  # thermocouple and zone
            assert max(temps) - sp <= 1.0, zone
            settled_s = settle_time_s(trace.times_s, temps, sp, band=1.0)
            assert settled_s <= 1.2 * full_power_rise_s[zone], zone
