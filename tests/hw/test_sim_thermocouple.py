"""Simulated MAX31855s: conversion rate, 0.25 °C steps, bounded noise, lag, seeded determinism."""

from __future__ import annotations

import statistics
from collections.abc import Callable

import pytest

from hw.clock import VirtualClock
from hw.sim import ClosedError, SimMachine
from machine_config.config import Config


def readings(machine: SimMachine, clock: VirtualClock, sensor: str, n: int) -> list[float]:
    """n fresh temperatures, one per 100 ms conversion."""
    io = machine.io()
    handle = {**io.zone_sensors, **io.monitor_sensors}[sensor]
    values = []
    for _ in range(n):
        clock.advance(0.1)
        reading = handle.read()
        assert reading is not None and reading.temperature_c is not None
        values.append(reading.temperature_c)
    return values


def test_readings_are_quantised_to_a_quarter_degree(
    machine: SimMachine, clock: VirtualClock
) -> None:
    machine.io().heater_contactor.set(True)
    machine.io().heaters["nozzle"].set(True)
    values = readings(machine, clock, "nozzle", 600)
    assert all((v * 4) == int(v * 4) for v in values)
    assert len(set(values)) > 20  # and they do move as the zone heats


def test_noise_is_bounded_and_about_noise_c(machine: SimMachine, clock: VirtualClock) -> None:
    values = readings(machine, clock, "barrel", 1000)  # a cold machine: true value 22.0
    assert all(abs(v - 22.0) <= 4 * 0.1 + 0.125 for v in values)
    assert 0.05 < statistics.pstdev(values) < 0.2


def test_no_noise_when_noise_c_is_zero(variant: Callable[..., Config]) -> None:
    clock = VirtualClock()
    machine = SimMachine.from_config(variant(lambda d: d["simulation"].update(noise_c=0.0)), clock)
    assert set(readings(machine, clock, "barrel", 50)) == {22.0}


def test_one_new_conversion_per_100_ms(machine: SimMachine, clock: VirtualClock) -> None:
    sensor = machine.io().zone_sensors["barrel"]
    got = []
    for _ in range(40):  # 2 s polled every 50 ms
        got.append(sensor.read())
        clock.advance(0.05)
    assert sum(r is not None for r in got) == 20
    assert sensor.read() is not None and sensor.read() is None  # one conversion, read once


def test_same_seed_same_readings_other_seed_differs(
    cfg: Config, variant: Callable[..., Config]
) -> None:
    def run(config: Config) -> list[float]:
        clock = VirtualClock()
        return readings(SimMachine.from_config(config, clock), clock, "barrel", 200)

    first, again = run(cfg), run(cfg)
    other = run(variant(lambda d: d["simulation"].update(seed=2)))
    assert first == again
    assert first != other


def test_sensors_of_one_machine_have_independent_noise(
    machine: SimMachine, clock: VirtualClock
) -> None:
    io = machine.io()
    barrel, nozzle = [], []
    for _ in range(200):
        clock.advance(0.1)
        barrel.append(io.zone_sensors["barrel"].read())
        nozzle.append(io.zone_sensors["nozzle"].read())
    assert barrel != nozzle


def test_reading_lags_the_plant_while_heating(machine: SimMachine, clock: VirtualClock) -> None:
    machine.io().heater_contactor.set(True)
    machine.io().heaters["nozzle"].set(True)
    clock.advance(60.0)
    value = readings(machine, clock, "nozzle", 1)[0]
    plant = machine.plant_temperature("nozzle")
    assert value < plant - 0.5  # 1.5 s sensor lag at about 0.5 °C/s
    assert value == pytest.approx(machine.probe_temperature("nozzle"), abs=0.6)


def test_monitor_sensor_reads_its_base_temperature(
    machine: SimMachine, clock: VirtualClock
) -> None:
    assert statistics.mean(readings(machine, clock, "feed_throat", 100)) == pytest.approx(
        30.0, abs=0.1
    )


def test_closed_sensor_cannot_be_read(machine: SimMachine) -> None:
    sensor = machine.io().zone_sensors["barrel"]
    sensor.close()
    with pytest.raises(ClosedError):
        sensor.read()
