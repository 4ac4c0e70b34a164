"""Motor at run time: every start, jog included, ramps from 0; the interlock stops at once."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from control.motor import Motor
from control.ramp import rpm_to_step_hz
from machine_config.config import Config, MotorConfig
from tests.support import config_with

TICK_S = 0.05
CFG: Config = config_with()
SCREW: MotorConfig = CFG.motors["screw"]


class FakeStepper:
    """A StepperDriver that only remembers what it was told (like the DM556 pins)."""

    def __init__(self) -> None:
        self.enabled = False
        self.forward = True
        self.step_hz = 0.0

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled

    def set_direction(self, forward: bool) -> None:
        self.forward = forward

    def set_step_hz(self, step_hz: float) -> None:
        self.step_hz = step_hz

    def alarm(self) -> bool:
        return False

    def close(self) -> None:
        pass


def max_step_hz_change(dt_s: float) -> float:
    """The most the step rate may change in dt at the configured acceleration."""
    return rpm_to_step_hz(SCREW.accel_rpm_s * dt_s, SCREW.steps_per_rev, SCREW.microsteps) + 1e-6


def tick(motor: Motor, now_s: float, allowed: bool) -> float:
    """One control tick for the motor (update then write, as the core does); the step rate."""
    motor.update(now_s, allowed)
    motor.write(True)
    return motor.driver.step_hz  # type: ignore[attr-defined, no-any-return]


def test_a_jog_after_idle_ramps_from_zero() -> None:
    """Run, stop, idle 30 s with motion not allowed, then jog 48 rpm: the first tick ramps."""
    motor = Motor("screw", SCREW, FakeStepper())
    now = 0.0
    motor.command(SCREW.run_rpm)
    for _ in range(round(5 / TICK_S)):  # run
        now += TICK_S
        tick(motor, now, allowed=True)
    motor.command(0.0)
    for _ in range(round(5 / TICK_S)):  # controlled stop, ramping down
        now += TICK_S
        tick(motor, now, allowed=True)
    for _ in range(round(30 / TICK_S)):  # idle: the motion interlock is closed
        now += TICK_S
        assert tick(motor, now, allowed=False) == 0.0
    motor.command(48.0)
    motor.jog_until_s = now + 5.0
    rates = [0.0]
    for _ in range(round(3 / TICK_S)):
        now += TICK_S
        rates.append(tick(motor, now, allowed=True))
    assert rates[1] <= max_step_hz_change(TICK_S), f"jog started at {rates[1]} Hz"
    assert max(b - a for a, b in itertools.pairwise(rates)) <= max_step_hz_change(TICK_S)
    assert motor.rpm == 48.0  # it does get there, at the configured acceleration


actions = st.one_of(
    st.tuples(st.just("command"), st.floats(0.0, 2 * SCREW.max_rpm)),
    st.tuples(st.just("jog"), st.floats(0.0, SCREW.max_rpm)),
    st.tuples(st.just("force_off"), st.just(0.0)),
    st.tuples(st.just("nothing"), st.just(0.0)),
)
steps = st.tuples(actions, st.booleans(), st.integers(1, 800))  # action, allowed, then ticks


@given(st.lists(steps, max_size=30))
def test_step_rate_never_jumps_more_than_accel_times_dt(
    script: list[tuple[tuple[str, float], bool, int]],
) -> None:
    """Random commands, jogs and interlock changes: the step rate only ever changes by at most
    accel × dt per tick, except for a stop to zero (the interlock or a category-0 force_off)."""
    motor = Motor("screw", SCREW, FakeStepper())
    now, last_hz = 0.0, 0.0
    for (action, rpm), allowed, ticks in script:
        if action in ("command", "jog"):
            motor.command(rpm)
        if action == "jog":
            motor.jog_until_s = now + 2.0
        if action == "force_off":
            motor.force_off()
            last_hz = 0.0
        for _ in range(ticks):
            now += TICK_S
            hz = tick(motor, now, allowed)
            if hz != 0.0:
                assert abs(hz - last_hz) <= max_step_hz_change(TICK_S), (last_hz, hz, action)
            last_hz = hz
