"""Immutable snapshots the core publishes each tick; the only machine state other threads read."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class PidGains:
    kp: float
    ki: float
    kd: float


@dataclass(frozen=True, slots=True)
class GateView:
    ok: bool
    soak_remaining_s: float | None
    blocking: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ZoneView:
    id: str
    name: str
    temperature_c: float | None
    setpoint_c: float
    setpoint_max_c: float
    duty: float
    heater_on: bool
    sensor_ok: bool
    fault: str | None
    age_s: float | None
    at_setpoint: bool
    pid: PidGains
    manual_duty: float | None
    autotune: str
    heated: bool = True


@dataclass(frozen=True, slots=True)
class SensorView:
    id: str
    name: str
    temperature_c: float | None
    sensor_ok: bool
    age_s: float | None
    fault: str | None
    max_c: float | None


@dataclass(frozen=True, slots=True)
class MotorView:
    id: str
    name: str
    rpm: float
    target_rpm: float
    run_rpm: float
    max_rpm: float
    enabled: bool
    running: bool
    fault: str | None


@dataclass(frozen=True, slots=True)
class OutputView:
    id: str
    name: str
    on: bool


@dataclass(frozen=True, slots=True)
class AlarmView:
    id: int
    code: str
    source: str
    severity: str
    message: str
    raised_at: str
    acked_at: str | None
    cleared_at: str | None
    latched: bool
    first_out: bool
    shelved_until: str | None = None

    @property
    def state(self) -> str:
        """ISA-18.2 state: unacked, acked, cleared (cleared but unacked stays 'unacked')."""
        if self.acked_at is None:
            return "unacked"
        return "cleared" if self.cleared_at else "acked"


@dataclass(frozen=True, slots=True)
class LoopView:
    tick_s: float
    last_tick_age_s: float
    overruns: int
    ticks: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a reader may show, as of one tick. Replaced whole, never mutated."""

    timestamp: str
    wall_s: float
    monotonic_s: float
    uptime_s: float
    state: str
    mode: str
    hmi_enabled: bool
    start_blocked: str | None
    gate: GateView
    zones: tuple[ZoneView, ...]
    sensors: tuple[SensorView, ...]
    motors: tuple[MotorView, ...]
    outputs: tuple[OutputView, ...]
    alarms: tuple[AlarmView, ...]
    loop: LoopView
    sequence_step: str | None = None
    autotune: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    estop_chain_ok: bool = True

    def autotune_of(self, zone_id: str) -> dict[str, Any]:
        """The autotune view of one zone (API.md decision 11)."""
        for zid, items in self.autotune:
            if zid == zone_id:
                return dict(items)
        return {"zone": zone_id, "state": "idle"}

    def to_dict(self) -> dict[str, Any]:
        """The REST status body (API.md 'Status snapshot')."""
        out = asdict(self)
        out["gate"]["blocking"] = list(self.gate.blocking)
        for key in ("zones", "sensors", "motors", "outputs", "alarms"):
            out[key] = list(out[key])
        for alarm, view in zip(out["alarms"], self.alarms, strict=True):
            alarm["state"] = view.state
        del out["autotune"]
        return out

    def zone(self, zone_id: str) -> ZoneView:
        return next(z for z in self.zones if z.id == zone_id)

    def motor(self, motor_id: str) -> MotorView:
        return next(m for m in self.motors if m.id == motor_id)
