"""Value limits of operator commands: one source for the core's checks and the REST schema."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from machine_config.config import MotorConfig, ZoneConfig


class Range(NamedTuple):
    """Inclusive bounds of a numeric command field."""

    lo: float
    hi: float


SETPOINT_MIN_C = 0.0
PID_GAINS: dict[str, Range] = {
    "kp": Range(0.0, 10.0),
    "ki": Range(0.0, 1.0),
    "kd": Range(0.0, 1000.0),
}
DUTY = Range(0.0, 1.0)
JOG_S = Range(0.1, 60.0)
SHELVE_S = Range(1.0, 8 * 3600.0)


def setpoint_c(zone: ZoneConfig) -> Range:
    """Setpoints (and autotune targets) of one zone: 0 °C up to its setpoint_max_c."""
    return Range(SETPOINT_MIN_C, zone.setpoint_max_c)


def run_rpm(motor: MotorConfig) -> Range:
    return Range(0.0, motor.max_rpm)


def jog_rpm(motor: MotorConfig) -> Range:
    """Jog speed: negative turns the motor backwards."""
    return Range(-motor.max_rpm, motor.max_rpm)
