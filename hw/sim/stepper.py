"""Simulated DM556 step/dir/enable driver: rpm from step frequency, alarm stops motion."""

from __future__ import annotations

import math

from hw.sim.bus import SimBus
from hw.sim.faults import FaultInjector
from machine_config.config import MotorConfig

# The DM556 accepts step pulses up to 200 kHz; anything faster is not a valid command.
MAX_STEP_HZ = 200_000.0


def rpm_from_step_hz(step_hz: float, steps_per_rev: int, microsteps: int) -> float:
    """Shaft speed for a step frequency: step_hz × 60 / (steps_per_rev × microsteps)."""
    return step_hz * 60.0 / (steps_per_rev * microsteps)


class SimStepper:
    """StepperDriver for one motor. It moves only while enabled, not in alarm, at step_hz > 0.

    Like a DM556, the driver stops stepping while its alarm is active (`driver_alarm` fault).
    `alarm()` reports it only when the motor has an ALM pin configured, as on the real wiring.
    `revolutions` integrates the shaft position (signed by direction) in machine time.
    """

    def __init__(self, motor_id: str, cfg: MotorConfig, bus: SimBus, faults: FaultInjector) -> None:
        self.motor_id = motor_id
        self._cfg = cfg
        self._bus = bus
        self._faults = faults
        self._closed = False
        self._label = f"motor {motor_id}"
        self.reset()

    def reset(self) -> None:
        self._enabled = False
        self._forward = True
        self._step_hz = 0.0
        self._revolutions = 0.0

    def set_enabled(self, enabled: bool) -> None:
        _require_bool(self.motor_id, "set_enabled", enabled)
        with self._bus.lock:
            now_s = self._bus.now(self._closed, self._label)
            self._set("enable", enabled, now_s)

    def set_direction(self, forward: bool) -> None:
        _require_bool(self.motor_id, "set_direction", forward)
        with self._bus.lock:
            now_s = self._bus.now(self._closed, self._label)
            self._set("dir", forward, now_s)

    def set_step_hz(self, step_hz: float) -> None:
        if isinstance(step_hz, bool) or not isinstance(step_hz, int | float):
            raise TypeError(f"motor {self.motor_id}: step_hz must be a number, got {step_hz!r}")
        if not math.isfinite(step_hz) or step_hz < 0 or step_hz > MAX_STEP_HZ:
            raise ValueError(
                f"motor {self.motor_id}: step_hz must be finite and within 0..{MAX_STEP_HZ:g},"
                f" got {step_hz!r}"
            )
        with self._bus.lock:
            now_s = self._bus.now(self._closed, self._label)
            self._set("step_hz", float(step_hz), now_s)

    def alarm(self) -> bool:
        with self._bus.lock:
            self._bus.now(self._closed, self._label)
            return self._cfg.alarm_pin is not None and self._in_alarm()

    def close(self) -> None:
        with self._bus.lock:
            now_s = self._bus.now()
            self._set("step_hz", 0.0, now_s)
            self._set("enable", False, now_s)
            self._closed = True

    def _set(self, line: str, value: float, now_s: float) -> None:
        """Change one of the driver's input lines, telling pin watchers when it changes."""
        attr = {"enable": "_enabled", "dir": "_forward", "step_hz": "_step_hz"}[line]
        if getattr(self, attr) != value:
            self._bus.emit(f"motors.{self.motor_id}.{line}", float(value), now_s)
        setattr(self, attr, type(getattr(self, attr))(value))

    # --- what the simulator (and its tests) observe -------------------------------------------

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def forward(self) -> bool:
        return self._forward

    @property
    def step_hz(self) -> float:
        return self._step_hz

    @property
    def in_alarm(self) -> bool:
        """The driver's alarm state, whether or not an ALM pin lets software see it."""
        return self._in_alarm()

    @property
    def rpm(self) -> float:
        """Actual shaft speed now, negative in reverse; 0 when disabled or in alarm."""
        if not self._enabled or self._in_alarm():
            return 0.0
        rpm = rpm_from_step_hz(self._step_hz, self._cfg.steps_per_rev, self._cfg.microsteps)
        return rpm if self._forward else -rpm

    @property
    def revolutions(self) -> float:
        with self._bus.lock:
            self._bus.now()
            return self._revolutions

    def advance(self, dt_s: float) -> None:
        """Machine-side: integrate position over dt at the current speed (under the bus lock)."""
        if self._enabled and self._step_hz:  # else rpm is ±0 and the position cannot change
            self._revolutions += self.rpm * dt_s / 60.0

    def _in_alarm(self) -> bool:
        return self._faults.has("driver_alarm", self.motor_id)


def _require_bool(motor_id: str, what: str, value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"motor {motor_id}: {what}() takes a bool, got {value!r}")
