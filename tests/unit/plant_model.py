"""A tiny test-only model of the reference plant (config.yaml `simulation:`) and a loop harness."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from control.ssr import TimeProportioner

AMBIENT_C = 22.0
COUPLING_W_PER_K = 1.0  # barrel <-> nozzle
TICK_S = 0.05
SENSOR_PERIOD_S = 0.25
QUANTUM_C = 0.25
WINDOW_S = 1.0
SETPOINTS_C = {"barrel": 200.0, "nozzle": 210.0}


@dataclass
class ZoneModel:
    """One heated mass with losses to ambient and a first-order lagged thermocouple."""

    heater_w: float
    heat_capacity_j_per_k: float
    loss_w_per_k: float
    sensor_lag_s: float
    temp_c: float = AMBIENT_C
    sensed_c: float = AMBIENT_C


def reference_zones(start_c: Mapping[str, float] | None = None) -> dict[str, ZoneModel]:
    """Barrel 800 W / 1500 J/K / 2 W/K / 3 s lag; nozzle 200 W / 300 J/K / 0.6 W/K / 1.5 s."""
    zones = {
        "barrel": ZoneModel(800.0, 1500.0, 2.0, 3.0),
        "nozzle": ZoneModel(200.0, 300.0, 0.6, 1.5),
    }
    for name, temp_c in (start_c or {}).items():
        zones[name].temp_c = zones[name].sensed_c = temp_c
    return zones


class Plant:
    """Barrel and nozzle coupled by 1 W/K, stepped by explicit Euler at the control tick."""

    def __init__(self, zones: dict[str, ZoneModel], noise_c: float = 0.0, seed: int = 1) -> None:
        self.zones = zones
        self.noise_c = noise_c
        self._rng = random.Random(seed)

    def step(self, dt_s: float, heater_on: Mapping[str, bool]) -> None:
        """Advance the physics by dt_s with the given heater states."""
        flow_w = COUPLING_W_PER_K * (self.zones["barrel"].temp_c - self.zones["nozzle"].temp_c)
        coupling_w = {"barrel": -flow_w, "nozzle": flow_w}
        for name, z in self.zones.items():
            power_w = z.heater_w * heater_on.get(name, False)
            net_w = power_w - z.loss_w_per_k * (z.temp_c - AMBIENT_C) + coupling_w[name]
            z.temp_c += net_w / z.heat_capacity_j_per_k * dt_s
            z.sensed_c += (z.temp_c - z.sensed_c) * dt_s / (z.sensor_lag_s + dt_s)

    def read(self, name: str) -> float:
        """A thermocouple reading: lagged temperature plus noise, quantised to 0.25 °C."""
        raw_c = self.zones[name].sensed_c + self._rng.gauss(0.0, self.noise_c)
        return round(raw_c / QUANTUM_C) * QUANTUM_C


Controller = Callable[[float, float], float]  # (now_s, measured_c) -> duty


@dataclass
class Trace:
    """What a run recorded, per zone: readings, lagged sensor and true temperatures, duties."""

    times_s: list[float] = field(default_factory=list)
    reading_c: dict[str, list[float]] = field(default_factory=dict)
    sensed_c: dict[str, list[float]] = field(default_factory=dict)
    temp_c: dict[str, list[float]] = field(default_factory=dict)
    duty: dict[str, list[float]] = field(default_factory=dict)

    def record(
        self, now_s: float, plant: Plant, reading: dict[str, float], duty: dict[str, float]
    ) -> None:
        self.times_s.append(now_s)
        for name, z in plant.zones.items():
            self.reading_c.setdefault(name, []).append(reading[name])
            self.sensed_c.setdefault(name, []).append(z.sensed_c)
            self.temp_c.setdefault(name, []).append(z.temp_c)
            self.duty.setdefault(name, []).append(duty[name])


def run_loop(plant: Plant, controllers: Mapping[str, Controller], duration_s: float) -> Trace:
    """Run the control tick: sample sensors every 0.25 s, control, time-proportion, step."""
    ssrs = {name: TimeProportioner(WINDOW_S, TICK_S) for name in plant.zones}
    reading = {name: plant.read(name) for name in plant.zones}
    trace = Trace()
    ticks_per_read = round(SENSOR_PERIOD_S / TICK_S)
    for i in range(round(duration_s / TICK_S)):
        now_s = i * TICK_S
        if i % ticks_per_read == 0:
            reading = {name: plant.read(name) for name in plant.zones}
        duty = {name: controllers[name](now_s, reading[name]) for name in plant.zones}
        on = {name: ssrs[name].update(now_s, duty[name]) for name in plant.zones}
        trace.record(now_s, plant, reading, duty)
        plant.step(TICK_S, on)
    return trace


def full_power(now_s: float, measured_c: float) -> float:
    """A controller that always asks for full power."""
    return 1.0


def first_time_at_or_above(times_s: list[float], values: list[float], level: float) -> float:
    """First time the series reaches `level` (inf if never)."""
    return next((t for t, v in zip(times_s, values, strict=True) if v >= level), float("inf"))


def settle_time_s(times_s: list[float], values: list[float], target: float, band: float) -> float:
    """Time after which the series stays within ±band of target until the end (inf if never)."""
    last_out = None
    for t, v in zip(times_s, values, strict=True):
        if abs(v - target) > band:
            last_out = t
    if last_out is None:
        return 0.0
    return float("inf") if last_out == times_s[-1] else last_out + TICK_S
