"""Simulated DM556 drivers: rpm from step frequency, enable, direction, strict inputs, alarm."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from hw.clock import VirtualClock
from hw.sim import SimMachine
from machine_config.config import Config


def step_hz_for(rpm: float, steps_per_rev: int = 200, microsteps: int = 8) -> float:
    return rpm / 60 * steps_per_rev * microsteps


def test_step_frequency_sets_rpm_and_the_shaft_turns(
    machine: SimMachine, clock: VirtualClock
) -> None:
    screw = machine.io().steppers["screw"]
    screw.set_enabled(True)
    screw.set_step_hz(800.0)  # 800 × 60 / (200 × 8) = 30 rpm
    assert machine.io_view()["motors"]["screw"] == {
        "enabled": True, "dir": "forward", "step_hz": 800.0, "rpm": 30.0, "alarm": False,
        "revolutions": 0.0,
    }  # fmt: skip
    clock.advance(10.0)
    assert machine.stepper("screw").revolutions == pytest.approx(5.0)


def test_reverse_turns_the_other_way(machine: SimMachine, clock: VirtualClock) -> None:
    feeder = machine.io().steppers["feeder"]
    feeder.set_enabled(True)
    feeder.set_direction(False)
    feeder.set_step_hz(step_hz_for(12.0))
    clock.advance(5.0)
    assert machine.stepper("feeder").rpm == pytest.approx(-12.0)
    assert machine.stepper("feeder").revolutions == pytest.approx(-1.0)
    assert machine.io_view()["motors"]["feeder"]["dir"] == "reverse"


def test_no_motion_unless_enabled(machine: SimMachine, clock: VirtualClock) -> None:
    screw = machine.io().steppers["screw"]
    screw.set_step_hz(step_hz_for(30.0))
    clock.advance(10.0)
    assert machine.stepper("screw").revolutions == 0.0
    screw.set_enabled(True)
    clock.advance(2.0)
    screw.set_enabled(False)
    clock.advance(10.0)
    assert machine.stepper("screw").revolutions == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, -math.inf, 250_000.0])
def test_bad_step_frequency_is_refused_and_changes_nothing(machine: SimMachine, bad: float) -> None:
    screw = machine.io().steppers["screw"]
    screw.set_step_hz(400.0)
    with pytest.raises(ValueError):
        screw.set_step_hz(bad)
    assert machine.stepper("screw").step_hz == 400.0


@pytest.mark.parametrize("bad", ["800", None, True])
def test_non_numeric_step_frequency_is_a_type_error(machine: SimMachine, bad: object) -> None:
    with pytest.raises(TypeError):
        machine.io().steppers["screw"].set_step_hz(bad)  # type: ignore[arg-type]


def test_alarm_stops_stepping_while_enable_and_frequency_stay(
    machine: SimMachine, clock: VirtualClock
) -> None:
    screw = machine.io().steppers["screw"]
    screw.set_enabled(True)
    screw.set_step_hz(step_hz_for(30.0))
    machine.faults.inject("driver_alarm", "screw")
    clock.advance(10.0)
    view = machine.io_view()["motors"]["screw"]
    assert view["enabled"] is True and view["step_hz"] == step_hz_for(30.0)
    assert view["rpm"] == 0.0 and view["revolutions"] == 0.0 and view["alarm"] is True


def test_without_an_alm_pin_the_alarm_is_invisible_but_still_stops_the_motor(
    variant: Callable[..., Config],
) -> None:
    clock = VirtualClock()
    machine = SimMachine.from_config(
        variant(lambda d: d["motors"]["feeder"].update(alarm_pin=None)), clock
    )
    feeder = machine.io().steppers["feeder"]
    feeder.set_enabled(True)
    feeder.set_step_hz(step_hz_for(10.0))
    machine.faults.inject("driver_alarm", "feeder")
    clock.advance(6.0)
    assert feeder.alarm() is False
    assert machine.stepper("feeder").revolutions == 0.0
