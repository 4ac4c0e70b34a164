"""The immutable views a snapshot publishes: one frozen dataclass per zone, motor, alarm..."""

from __future__ import annotations

from dataclasses import dataclass


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
