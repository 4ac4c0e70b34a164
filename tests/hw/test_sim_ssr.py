"""Zero-cross SSRs: energy in whole mains half-cycles, and the duty the simulator reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hw.clock import VirtualClock
from hw.sim import SimMachine
from machine_config.config import Config

BARREL_W = 800.0


@pytest.fixture
def barrel(machine: SimMachine) -> Any:
    machine.io().heater_contactor.set(True)
    return machine.io().heaters["barrel"]


def test_conduction_starts_and_stops_at_zero_crossings(
    machine: SimMachine, clock: VirtualClock, barrel: Any
) -> None:
    clock.advance(0.003)
    barrel.set(True)  # conducts from the crossing at 10 ms ...
    clock.advance(0.0201)
    barrel.set(False)  # ... until the crossing at 30 ms: two 10 ms half-cycles at 50 Hz
    clock.advance(0.2)
    assert machine.heater_energy_j("barrel") == pytest.approx(BARREL_W * 0.020)


def test_a_pulse_shorter_than_a_half_cycle_between_crossings_delivers_nothing(
    machine: SimMachine, clock: VirtualClock, barrel: Any
) -> None:
    clock.advance(0.002)
    barrel.set(True)
    clock.advance(0.005)
    barrel.set(False)  # still before the next crossing: the triac never fired
    clock.advance(0.2)
    assert machine.heater_energy_j("barrel") == 0.0


def test_sixty_hz_mains_switches_on_120_hz_crossings(variant: Callable[..., Config]) -> None:
    clock = VirtualClock()
    machine = SimMachine.from_config(variant(lambda d: d["simulation"].update(mains_hz=60)), clock)
    machine.io().heater_contactor.set(True)
    clock.advance(0.001)
    machine.io().heaters["barrel"].set(True)  # from 1/120 s
    clock.advance(0.03)
    machine.io().heaters["barrel"].set(False)  # at 31 ms, until 4/120 s
    clock.advance(0.2)
    assert machine.heater_energy_j("barrel") == pytest.approx(BARREL_W * 3 / 120)


def test_time_proportioned_duty_shows_in_duty_window(
    machine: SimMachine, clock: VirtualClock, barrel: Any
) -> None:
    ticks_on = 6  # of 20 ticks per 1 s window: 30 %
    for tick in range(200):
        barrel.set(tick % 20 < ticks_on)
        clock.advance(0.05)
    view = machine.io_view()["zones"]["barrel"]
    assert view["duty_window"] == pytest.approx(0.3, abs=0.011)
    assert machine.heater_energy_j("barrel") == pytest.approx(BARREL_W * 0.3 * 10.0, rel=0.01)


def test_ssr_on_follows_the_command(machine: SimMachine, clock: VirtualClock, barrel: Any) -> None:
    assert machine.io_view()["zones"]["barrel"]["ssr_on"] is False
    barrel.set(True)
    clock.advance(0.05)
    view = machine.io_view()["zones"]["barrel"]
    assert view["ssr_on"] is True and view["conducting"] is True
    assert view["heater_w"] == BARREL_W
    assert 0.0 < view["duty_window"] <= 0.05


def test_half_duty_settles_at_ambient_plus_half_power_over_loss(
    variant: Callable[..., Config],
) -> None:
    def small(d: dict[str, Any]) -> None:
        d["zones"]["barrel"]["heater"]["watts"] = 200.0
        d["simulation"]["zones"]["barrel"]["heat_capacity_j_per_k"] = 150.0
        d["simulation"]["couplings"] = []

    clock = VirtualClock()
    machine = SimMachine.from_config(variant(small), clock)
    machine.io().heater_contactor.set(True)
    heater = machine.io().heaters["barrel"]
    for tick in range(20 * 900):
        heater.set(tick % 20 < 10)
        clock.advance(0.05)
    assert machine.plant_temperature("barrel") == pytest.approx(22.0 + 0.5 * 200 / 2.0, abs=0.5)


def test_heater_refuses_a_non_bool(barrel: Any) -> None:
    with pytest.raises(TypeError):
        barrel.set(0.5)
