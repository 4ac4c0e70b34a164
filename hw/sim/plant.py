"""Thermal plant of the simulated extruder: heated zones, couplings, melt, sensor lag, monitors."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from machine_config.config import Config

STEP_S = 0.05  # fixed integration sub-step: a whole number of mains half-cycles at 50 and 60 Hz
DETACHED_LAG_S = 30.0  # a probe hanging in air relaxes toward ambient with this time constant
MELT_FADE_K = 10.0  # melt cooling fades out over the last 10 K above ambient (never below it)
FEED_THROAT_GAIN = 0.08  # K of feed-throat rise per K the first zone is above ambient
FEED_THROAT_TAU_S = 120.0
MOTOR_RISE_C_PER_RPM = 0.25  # motor-housing rise per screw rpm at equilibrium
MOTOR_TAU_S = 300.0
_MAX_RATE_PER_SUBSTEP = 0.2  # explicit Euler stays accurate while rate × h stays below this

# Defaults for a zone that has no simulation.zones entry: 400 K rise at full power, τ ≈ 800 s.
DEFAULT_K_PER_FULL_POWER = 400.0
DEFAULT_TAU_S = 800.0


@dataclass(frozen=True, slots=True)
class ZonePlant:
    """The constants of one heated zone's thermal mass."""

    id: str
    watts: float
    heat_capacity_j_per_k: float
    loss_w_per_k: float
    melt_w_per_rpm: float
    sensor_lag_s: float


def zone_plants(cfg: Config) -> list[ZonePlant]:
    """One ZonePlant per zone, in config order (defaults when not in simulation.zones)."""
    plants = []
    for zid, zone in cfg.zones.items():
        watts = zone.heater.watts
        sim = cfg.simulation.zones.get(zid)
        if sim is None:
            loss = watts / DEFAULT_K_PER_FULL_POWER
            plants.append(ZonePlant(zid, watts, loss * DEFAULT_TAU_S, loss, 0.0, 2.0))
        else:
            plants.append(
                ZonePlant(
                    zid,
                    watts,
                    sim.heat_capacity_j_per_k,
                    sim.loss_w_per_k,
                    sim.melt_w_per_rpm,
                    sim.sensor_lag_s,
                )
            )
    return plants


# Monitor-only sensors: rise above their base temperature, from (first zone's rise over ambient
# in K, screw rpm). Keyed by sensor id; any other id behaves like a feed throat.
MonitorRise = Callable[[float, float], float]


def _feed_throat_rise(zone_rise_k: float, screw_rpm: float) -> float:
    del screw_rpm
    return FEED_THROAT_GAIN * zone_rise_k


def _motor_housing_rise(zone_rise_k: float, screw_rpm: float) -> float:
    del zone_rise_k
    return MOTOR_RISE_C_PER_RPM * abs(screw_rpm)


MONITOR_MODELS: dict[str, tuple[MonitorRise, float]] = {
    "feed_throat": (_feed_throat_rise, FEED_THROAT_TAU_S),
    "motor_housing": (_motor_housing_rise, MOTOR_TAU_S),
}


def _alpha(tau_s: float) -> float:
    """First-order filter gain for one STEP_S (exact for a constant input)."""
    return 1.0 if tau_s <= 0 else 1.0 - math.exp(-STEP_S / tau_s)


class ThermalPlant:
    """Lumped thermal model, advanced only in whole STEP_S steps on an absolute time grid.

    Per zone: C·dT/dt = P_heater − loss·(T − ambient) − Σ w_per_k·(T − T_neighbour) − P_melt,
    with P_melt = melt_w_per_rpm × forward screw rpm (faded out near ambient). Each zone's probe
    follows T with a first-order lag (sensor_lag_s), or ambient when the probe is detached.
    """

    def __init__(self, cfg: Config, start_s: float = 0.0) -> None:
        self.ambient_c = cfg.simulation.ambient_c
        self.zones = zone_plants(cfg)
        self.zone_ids = tuple(z.id for z in self.zones)
        index = {zid: i for i, zid in enumerate(self.zone_ids)}
        self._couplings = [(index[c.a], index[c.b], c.w_per_k) for c in cfg.simulation.couplings]
        self._lag = [_alpha(z.sensor_lag_s) for z in self.zones]
        self._detached_lag = _alpha(DETACHED_LAG_S)
        self.monitor_ids = tuple(cfg.sensors)
        self._monitor_base = [
            cfg.simulation.monitor_base_c.get(s, self.ambient_c) for s in cfg.sensors
        ]
        models = [MONITOR_MODELS.get(s, MONITOR_MODELS["feed_throat"]) for s in cfg.sensors]
        self._monitor_rise = [m[0] for m in models]
        self._monitor_alpha = [_alpha(m[1]) for m in models]
        self._substeps = self._count_substeps()
        self.reset(start_s)

    def reset(self, start_s: float = 0.0) -> None:
        """Everything at ambient (monitors at their base), grid aligned to start_s."""
        self.k = math.floor(start_s / STEP_S + 1e-9)
        n = len(self.zones)
        self.t_c = [self.ambient_c] * n
        self.probe_c = [self.ambient_c] * n
        self.energy_j = [0.0] * n
        self.monitor_c = list(self._monitor_base)

    @property
    def time_s(self) -> float:
        """Machine time the state refers to (a grid point)."""
        return self.k * STEP_S

    def step(self, heater_w: Sequence[float], screw_rpm: float, detached: Sequence[bool]) -> None:
        """Advance one STEP_S with constant heater power per zone and screw speed."""
        h = STEP_S / self._substeps
        for _ in range(self._substeps):
            self._integrate(heater_w, screw_rpm, h)
        for i in range(len(self.zones)):
            target, gain = (
                (self.ambient_c, self._detached_lag) if detached[i] else (self.t_c[i], self._lag[i])
            )
            self.probe_c[i] += (target - self.probe_c[i]) * gain
            self.energy_j[i] += heater_w[i] * STEP_S
        self._step_monitors(screw_rpm)
        self.k += 1

    def _integrate(self, heater_w: Sequence[float], screw_rpm: float, h: float) -> None:
        ambient, temps = self.ambient_c, self.t_c
        flow = max(screw_rpm, 0.0)
        q = []
        for i, z in enumerate(self.zones):
            rise = temps[i] - ambient
            melt = z.melt_w_per_rpm * flow * min(1.0, max(0.0, rise / MELT_FADE_K))
            q.append(heater_w[i] - z.loss_w_per_k * rise - melt)
        for a, b, w_per_k in self._couplings:
            flux = w_per_k * (temps[a] - temps[b])
            q[a] -= flux
            q[b] += flux
        for i, z in enumerate(self.zones):
            temps[i] += q[i] * h / z.heat_capacity_j_per_k

    def _step_monitors(self, screw_rpm: float) -> None:
        zone_rise = self.t_c[0] - self.ambient_c if self.t_c else 0.0
        for j, base in enumerate(self._monitor_base):
            target = base + self._monitor_rise[j](zone_rise, screw_rpm)
            self.monitor_c[j] += (target - self.monitor_c[j]) * self._monitor_alpha[j]

    def _count_substeps(self) -> int:
        rate = 0.0
        for i, z in enumerate(self.zones):
            g = z.loss_w_per_k + sum(w for a, b, w in self._couplings if i in (a, b))
            rate = max(rate, g / z.heat_capacity_j_per_k)
        return max(1, math.ceil(rate * STEP_S / _MAX_RATE_PER_SUBSTEP))


def full_power_rise_time_s(
    cfg: Config,
    zone_id: str,
    target_c: float,
    others: Literal["full", "off"] = "full",
    limit_s: float = 86_400.0,
) -> float:
    """Seconds from a cold machine (everything at ambient) until the zone's *sensor-lagged*
    temperature reaches target_c with its heater at 100 %, screw stopped, contactor closed.

    others="full" (the default) heats every other zone at 100 % too, as in a cold start where all
    heaters saturate; others="off" leaves them unpowered (they still exchange heat by coupling).
    Raises ValueError for an unknown zone or when the zone levels off below target_c.
    """
    plant = ThermalPlant(cfg)
    if zone_id not in plant.zone_ids:
        raise ValueError(f"unknown zone {zone_id!r}")
    i = plant.zone_ids.index(zone_id)
    if target_c <= plant.probe_c[i]:
        return 0.0
    watts = [z.watts if (j == i or others == "full") else 0.0 for j, z in enumerate(plant.zones)]
    detached = [False] * len(watts)
    per_minute = round(60.0 / STEP_S)
    checkpoint = plant.probe_c[i]
    for n in range(1, math.ceil(limit_s / STEP_S) + 1):
        before = plant.probe_c[i]
        plant.step(watts, 0.0, detached)
        after = plant.probe_c[i]
        if after >= target_c:
            return (n - 1 + (target_c - before) / (after - before)) * STEP_S
        if n % per_minute == 0:
            if after - checkpoint < 1e-3:
                break
            checkpoint = after
    raise ValueError(
        f"zone {zone_id} does not reach {target_c:g} °C at full power"
        f" (others {others}); it levels off near {plant.probe_c[i]:.1f} °C"
    )
