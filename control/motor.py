"""A stepper motor at run time: ramp, run speed, jog and driver alarm."""

from __future__ import annotations

from control.ramp import MotorRamp, rpm_to_step_hz
from control.reads import safe_read
from hw.protocols import StepperDriver
from machine_config.config import MotorConfig


class Motor:
    """Owns one StepperDriver; the core sets targets, `write` turns rpm into step frequency."""

    def __init__(self, motor_id: str, cfg: MotorConfig, driver: StepperDriver) -> None:
        self.id = motor_id
        self.cfg = cfg
        self.driver = driver
        self.run_rpm = cfg.run_rpm
        self.ramp = MotorRamp(cfg.accel_rpm_s, cfg.max_rpm)
        self.target_rpm = 0.0
        self.rpm = 0.0
        self.alarm = False
        self.jog_until_s: float | None = None
        self.enabled = False
        self.step_hz = 0.0
        self.forward = True
        self._written: tuple[bool, float, bool] | None = None

    @property
    def running(self) -> bool:
        return self.rpm > 0.0

    def read_alarm(self) -> None:
        """Read the driver's ALM input; a read that fails counts as an alarm."""
        self.alarm = safe_read(self.driver.alarm, True)

    def set_run_rpm(self, rpm: float) -> None:
        self.run_rpm = rpm

    def jog(self, rpm: float, until_s: float) -> None:
        """Turn at |rpm| (negative: reverse) until `until_s`, then stop."""
        self.command(abs(rpm), forward=rpm >= 0)
        self.jog_until_s = until_s

    def end_jog(self) -> None:
        if self.jog_until_s is not None:
            self.jog_until_s = None
            self.command(0.0)

    def command(self, rpm: float, forward: bool = True) -> None:
        """Ask for a speed; a direction change only takes effect from standstill."""
        if self.rpm == 0.0:
            self.forward = forward
        self.target_rpm = max(0.0, min(rpm, self.cfg.max_rpm))
        self.ramp.set_target(self.target_rpm)

    def update(self, now_s: float, allowed: bool) -> None:
        """Advance the ramp; when motion is not allowed, stop stepping at once (interlock).

        The ramp sees the time on every tick, allowed or not: a ramp whose clock went stale
        while the motor stood still would take the whole idle time as one step at the next
        start and jump to full speed."""
        if self.jog_until_s is not None and now_s >= self.jog_until_s:
            self.jog_until_s = None
            self.command(0.0)
        if not allowed:
            self.ramp.stop_now()
            self.target_rpm = 0.0
        self.rpm = self.ramp.update(now_s)

    def write(self, enable: bool, refresh: bool = False) -> None:
        """Drive the DM556: enable while commanded or moving; step train from the rpm.

        Pins are written when their value changes (a PWM frequency rewrite blanks a pulse) and
        on every `refresh`, so an out-of-band safe-state write is never left standing."""
        self.enabled = enable and (self.rpm > 0.0 or self.target_rpm > 0.0)
        self.step_hz = rpm_to_step_hz(self.rpm, self.cfg.steps_per_rev, self.cfg.microsteps)
        if not self.enabled:
            self.step_hz = 0.0
        wanted = (self.forward, self.step_hz, self.enabled)
        if refresh or wanted != self._written:
            self.driver.set_direction(self.forward)
            self.driver.set_step_hz(self.step_hz)
            self.driver.set_enabled(self.enabled)
            self._written = wanted

    def forget_written(self) -> None:
        """Someone else drove the pins (watchdog safe state): rewrite them on the next tick."""
        self._written = None

    def force_off(self) -> None:
        """Category 0: no steps, driver disabled, now."""
        self.ramp.stop_now()
        self.target_rpm = 0.0
        self.rpm = 0.0
        self.jog_until_s = None
        self.enabled = False
        self.step_hz = 0.0
        self._written = None
        self.driver.set_step_hz(0.0)
        self.driver.set_enabled(False)
