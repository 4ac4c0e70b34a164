"""Thermal plant physics of the simulated extruder, seen through the machine's own handles."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from hw.clock import VirtualClock
from hw.sim import SimMachine, full_power_rise_time_s
from machine_config.config import Config

AMBIENT_C = 22.0
Variant = Callable[[Callable[[dict[str, Any]], None]], Config]


def full_power(machine: SimMachine, *zones: str) -> None:
    io = machine.io()
    io.heater_contactor.set(True)
    for zone in zones:
        io.heaters[zone].set(True)


def sample(machine: SimMachine, clock: VirtualClock, zone: str, seconds: int) -> list[float]:
    """Plant temperature once per second."""
    temps = []
    for _ in range(seconds):
        clock.advance(1.0)
        temps.append(machine.plant_temperature(zone))
    return temps


def test_full_power_heats_monotonically(machine: SimMachine, clock: VirtualClock) -> None:
    full_power(machine, "barrel")
    temps = sample(machine, clock, "barrel", 300)
    assert all(b > a for a, b in itertools.pairwise(temps))
    assert temps[-1] > AMBIENT_C + 100.0


def test_more_watts_heat_faster(cfg: Config, variant: Variant, clock: VirtualClock) -> None:
    strong_cfg = variant(lambda d: d["zones"]["barrel"]["heater"].update(watts=1600.0))
    weak, strong = SimMachine.from_config(cfg, clock), SimMachine.from_config(strong_cfg, clock)
    full_power(weak, "barrel")
    full_power(strong, "barrel")
    clock.advance(120.0)
    assert strong.plant_temperature("barrel") > weak.plant_temperature("barrel") + 40.0


def test_steady_state_is_ambient_plus_power_over_loss(variant: Variant) -> None:
    def small_barrel(d: dict[str, Any]) -> None:
        d["zones"]["barrel"]["heater"]["watts"] = 200.0
        d["simulation"]["zones"]["barrel"]["heat_capacity_j_per_k"] = 150.0  # τ = 75 s
        d["simulation"]["couplings"] = []

    clock = VirtualClock()
    machine = SimMachine.from_config(variant(small_barrel), clock)
    full_power(machine, "barrel")
    clock.advance(1200.0)
    assert machine.plant_temperature("barrel") == pytest.approx(AMBIENT_C + 200.0 / 2.0, abs=0.2)


def test_coupling_moves_heat_from_hot_to_cold_zone(
    machine: SimMachine, variant: Variant, clock: VirtualClock
) -> None:
    isolated = SimMachine.from_config(
        variant(lambda d: d["simulation"].update(couplings=[])), clock
    )
    full_power(machine, "barrel")
    full_power(isolated, "barrel")
    clock.advance(600.0)
    assert machine.plant_temperature("nozzle") > AMBIENT_C + 30.0
    assert isolated.plant_temperature("nozzle") == pytest.approx(AMBIENT_C, abs=1e-6)
    assert machine.plant_temperature("barrel") < isolated.plant_temperature("barrel")


def test_melt_throughput_cools_the_barrel(cfg: Config, clock: VirtualClock) -> None:
    idle, extruding = SimMachine.from_config(cfg, clock), SimMachine.from_config(cfg, clock)
    for m in (idle, extruding):
        full_power(m, "barrel", "nozzle")
    clock.advance(300.0)
    screw = extruding.io().steppers["screw"]
    screw.set_enabled(True)
    screw.set_step_hz(40 / 60 * 200 * 8)  # 40 rpm
    clock.advance(300.0)
    # 3 W/rpm × 40 rpm = 120 W carried away by the melt: the barrel ends well below.
    assert extruding.plant_temperature("barrel") < idle.plant_temperature("barrel") - 10.0
    assert extruding.plant_temperature("nozzle") < idle.plant_temperature("nozzle")


def test_turning_off_cools_toward_ambient_without_undershoot(
    machine: SimMachine, clock: VirtualClock
) -> None:
    full_power(machine, "nozzle")
    clock.advance(300.0)
    machine.io().heaters["nozzle"].set(False)
    temps = sample(machine, clock, "nozzle", 1800)
    assert all(b < a for a, b in itertools.pairwise(temps))
    assert AMBIENT_C < temps[-1] < temps[0] - 50.0


def test_no_heat_without_the_heater_contactor(machine: SimMachine, clock: VirtualClock) -> None:
    machine.io().heaters["barrel"].set(True)  # contactor left off, as after power-up
    clock.advance(120.0)
    assert machine.heater_energy_j("barrel") == 0.0
    assert machine.plant_temperature("barrel") == AMBIENT_C
    machine.io().heater_contactor.set(True)
    clock.advance(10.0)
    assert machine.heater_energy_j("barrel") == pytest.approx(800.0 * 10.0)


def test_results_do_not_depend_on_polling_rate(cfg: Config) -> None:
    """The same command schedule polled every 50 ms or every second ends at the same state."""
    schedule = [(0.0, True), (37.13, False), (61.0, True), (95.555, False), (140.02, True)]
    finals = []
    for poll_s in (0.05, 1.0):
        clock = VirtualClock()
        machine = SimMachine.from_config(cfg, clock)
        machine.io().heater_contactor.set(True)
        events = list(schedule)
        while clock.now() < 200.0:
            if events and clock.now() >= events[0][0] - 1e-9:
                machine.io().heaters["barrel"].set(events.pop(0)[1])
            step = min(poll_s, (events[0][0] if events else 200.0) - clock.now())
            clock.advance(max(step, 0.0))
            machine.plant_temperature("barrel")
        finals.append((machine.plant_temperature("barrel"), machine.probe_temperature("nozzle")))
    assert finals[0][0] > AMBIENT_C + 50.0
    assert finals[0] == pytest.approx(finals[1], abs=0.01)


def test_feed_throat_warms_with_the_barrel_and_motor_housing_with_screw_speed(
    machine: SimMachine, clock: VirtualClock
) -> None:
    assert machine.monitor_temperature("feed_throat") == 30.0
    assert machine.monitor_temperature("motor_housing") == 35.0
    full_power(machine, "barrel")
    screw = machine.io().steppers["screw"]
    screw.set_enabled(True)
    screw.set_step_hz(60 / 60 * 200 * 8)  # 60 rpm
    clock.advance(60.0)
    early = machine.monitor_temperature("motor_housing")
    clock.advance(1800.0)
    assert 30.0 + 5.0 < machine.monitor_temperature("feed_throat") < 30.0 + 40.0
    assert 35.0 < early < machine.monitor_temperature("motor_housing") < 65.0  # first order
    machine.set_monitor_offset("motor_housing", 30.0)  # e.g. a blocked motor fan
    assert machine.monitor_temperature("motor_housing") > 65.0


def test_full_power_rise_time_matches_a_simulated_heat_up(cfg: Config) -> None:
    rise_s = full_power_rise_time_s(cfg, "barrel", 200.0)
    clock = VirtualClock()
    machine = SimMachine.from_config(cfg, clock)
    full_power(machine, "barrel", "nozzle")
    clock.advance(rise_s - 1.0)
    assert machine.probe_temperature("barrel") < 200.0
    clock.advance(2.0)
    assert machine.probe_temperature("barrel") >= 200.0


def test_full_power_rise_time_is_shorter_with_more_watts(cfg: Config, variant: Variant) -> None:
    strong = variant(lambda d: d["zones"]["nozzle"]["heater"].update(watts=400.0))
    assert full_power_rise_time_s(strong, "nozzle", 210.0) < full_power_rise_time_s(
        cfg, "nozzle", 210.0
    )
    assert full_power_rise_time_s(cfg, "nozzle", AMBIENT_C) == 0.0


def test_full_power_rise_time_refuses_an_unreachable_target(cfg: Config) -> None:
    # Alone, the 200 W nozzle levels off near 180 °C: it leaks into the cold barrel.
    with pytest.raises(ValueError, match="levels off"):
        full_power_rise_time_s(cfg, "nozzle", 210.0, others="off")
    with pytest.raises(ValueError, match="unknown zone"):
        full_power_rise_time_s(cfg, "hopper", 100.0)


def test_reset_returns_a_cold_faultless_machine(machine: SimMachine, clock: VirtualClock) -> None:
    full_power(machine, "barrel")
    machine.faults.inject("estop")
    clock.advance(300.0)
    machine.reset()
    view = machine.io_view()
    assert view["temperatures_c"]["barrel"] == AMBIENT_C
    assert view["faults"] == [] and view["estop_ok"] is True
    assert view["heater_contactor"] is False and view["zones"]["barrel"]["ssr_on"] is False
    clock.advance(60.0)
    assert machine.plant_temperature("barrel") == AMBIENT_C
