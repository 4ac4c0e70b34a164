"""Commands: every request from the UI, REST or CLI becomes one of these, applied at a tick."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Source = Literal["touch", "rest", "cli", "button", "system"]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asked: a user name, their role and where the request came from (for the audit log)."""

    who: str = "system"
    role: str = "admin"
    source: Source = "system"


SYSTEM = Actor()


@dataclass(frozen=True, slots=True)
class Command:
    """Base for every command; `actor` is recorded in the audit trail."""

    actor: Actor = field(default=SYSTEM, kw_only=True)


@dataclass(frozen=True, slots=True)
class Start(Command):
    """Heat, pass the gate, soak, then start the motors in order."""


@dataclass(frozen=True, slots=True)
class Preheat(Command):
    """Heat and hold in `ready` without starting the motors."""


@dataclass(frozen=True, slots=True)
class Stop(Command):
    """Controlled stop; accepted in every state."""


@dataclass(frozen=True, slots=True)
class EStop(Command):
    """Software emergency stop: category 0 into a latched trip."""


@dataclass(frozen=True, slots=True)
class Reset(Command):
    """Leave `fault` for `idle` once every cause is gone; `ack` acknowledges trips first."""

    ack: bool = False


@dataclass(frozen=True, slots=True)
class SetMode(Command):
    mode: str


@dataclass(frozen=True, slots=True)
class SetSetpoint(Command):
    zone: str
    setpoint_c: float


@dataclass(frozen=True, slots=True)
class SetPid(Command):
    zone: str
    kp: float
    ki: float
    kd: float


@dataclass(frozen=True, slots=True)
class SetManualDuty(Command):
    zone: str
    duty: float


@dataclass(frozen=True, slots=True)
class StartAutotune(Command):
    zone: str
    setpoint_c: float


@dataclass(frozen=True, slots=True)
class AbortAutotune(Command):
    zone: str


@dataclass(frozen=True, slots=True)
class ApplyAutotune(Command):
    zone: str


@dataclass(frozen=True, slots=True)
class SetRunRpm(Command):
    motor: str
    rpm: float


@dataclass(frozen=True, slots=True)
class Jog(Command):
    motor: str
    rpm: float
    duration_s: float


@dataclass(frozen=True, slots=True)
class SetOutput(Command):
    output: str
    on: bool


@dataclass(frozen=True, slots=True)
class AckAlarm(Command):
    alarm_id: int


@dataclass(frozen=True, slots=True)
class AckAll(Command):
    """Acknowledge every active unacknowledged alarm."""


@dataclass(frozen=True, slots=True)
class ShelveAlarm(Command):
    """Shelve a warning for a limited time (engineer). Trips cannot be shelved."""

    alarm_id: int
    duration_s: float


@dataclass(frozen=True, slots=True)
class SetHmiEnabled(Command):
    enabled: bool
