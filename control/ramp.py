"""Motor speed ramp: rpm moves toward its target at a bounded acceleration, time passed in."""

from __future__ import annotations

import math


def rpm_to_step_hz(rpm: float, steps_per_rev: int, microsteps: int) -> float:
    """Step pulse frequency for a shaft speed: rpm / 60 × steps per rev × microsteps."""
    return rpm / 60.0 * steps_per_rev * microsteps


def _require_finite(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


class MotorRamp:
    """Speed set-point follower limited to `accel_rpm_s`, up and down, never above `max_rpm`.

    The first `update` only starts the clock; later ones move at most accel × dt toward the
    target. `stop_now` is the category-0 path: speed and target drop to zero at once.
    """

    def __init__(self, accel_rpm_s: float, max_rpm: float) -> None:
        _require_finite("accel_rpm_s", accel_rpm_s)
        _require_finite("max_rpm", max_rpm)
        if accel_rpm_s <= 0 or max_rpm <= 0:
            raise ValueError(f"accel_rpm_s and max_rpm must be positive: {accel_rpm_s}, {max_rpm}")
        self.accel_rpm_s = accel_rpm_s
        self.max_rpm = max_rpm
        self._rpm = 0.0
        self._target_rpm = 0.0
        self._last_s: float | None = None

    @property
    def rpm(self) -> float:
        """Current commanded speed."""
        return self._rpm

    @property
    def target_rpm(self) -> float:
        """Speed the ramp is heading for (already clamped to max_rpm)."""
        return self._target_rpm

    @property
    def running(self) -> bool:
        """True while the commanded speed is above zero (including ramping down)."""
        return self._rpm > 0.0

    def set_target(self, rpm: float) -> None:
        """Head for `rpm` (clamped to max_rpm); negative speeds are refused."""
        _require_finite("rpm", rpm)
        if rpm < 0:
            raise ValueError(f"rpm must not be negative, got {rpm}")
        self._target_rpm = min(rpm, self.max_rpm)

    def stop_now(self) -> None:
        """Category-0 stop: speed and target are zero immediately."""
        self._rpm = 0.0
        self._target_rpm = 0.0

    def update(self, now_s: float) -> float:
        """Advance the ramp to `now_s` and return the speed to command."""
        _require_finite("now_s", now_s)
        last = self._last_s
        if last is not None and now_s < last:
            raise ValueError(f"time went backwards: {now_s} < {last}")
        self._last_s = now_s
        if last is not None:
            self._rpm = self._step_toward_target(self.accel_rpm_s * (now_s - last))
        return self._rpm

    def _step_toward_target(self, step_rpm: float) -> float:
        gap = self._target_rpm - self._rpm
        if abs(gap) <= step_rpm:
            return self._target_rpm
        return self._rpm + math.copysign(step_rpm, gap)
