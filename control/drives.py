"""The stepper motors, owned as one subsystem: driver alarms, ramps, jogs and stops."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from control import outputs
from control.motor import Motor
from hw.io import MachineIO
from machine_config.config import Config


class Drives:
    """Every Motor by id. The map is for reading; changes go through these methods or Motor's."""

    def __init__(self, cfg: Config, io: MachineIO) -> None:
        self.motors: Mapping[str, Motor] = {
            mid: Motor(mid, m, io.steppers[mid]) for mid, m in cfg.motors.items()
        }

    def read_alarms(self) -> None:
        for motor in self.motors.values():
            motor.read_alarm()

    def update(self, now_s: float, motion_state: bool, interlock_ok: Callable[[], bool]) -> None:
        """Advance every ramp; a motor steps only when the state (or its jog) wants it, its
        driver is not in alarm and the interlock holds (asked once, and only if needed)."""
        motion_ok: bool | None = None
        for motor in self.motors.values():
            wants = (motion_state or motor.jog_until_s is not None) and not motor.alarm
            if wants and motion_ok is None:
                motion_ok = interlock_ok()
            motor.update(now_s, wants and bool(motion_ok))

    def trip(self, cat0: bool, cut: Collection[str]) -> None:
        """Category 0 (or a motor in alarm, or one whose writes fail) is cut now; the others
        ramp down."""
        for motor in self.motors.values():
            if cat0 or motor.alarm or motor.id in cut:
                outputs.attempt(motor.force_off)
            else:
                motor.command(0.0)

    def force_off(self) -> None:
        for motor in self.motors.values():
            motor.force_off()

    def end_jogs(self) -> None:
        for motor in self.motors.values():
            motor.end_jog()

    def forget_written(self) -> None:
        for motor in self.motors.values():
            motor.forget_written()

    def run(self, motor_id: str, start: bool) -> None:
        """A sequence step: the motor to its run speed, or to a stop."""
        motor = self.motors[motor_id]
        motor.command(motor.run_rpm if start else 0.0)

    def jogging(self) -> bool:
        return any(m.jog_until_s is not None or m.running for m in self.motors.values())

    def any_running(self) -> bool:
        return any(m.running for m in self.motors.values())
