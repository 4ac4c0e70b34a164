"""A heater PID with time passed in: filtered derivative on measurement and real anti-windup."""

from __future__ import annotations

import math

# Our own PID rather than simple-pid: we need a filtered derivative, anti-windup that clamps the
# integral *term*, time passed in as an argument, and bumpless gain changes.


def _require_finite(**values: float) -> None:
    for name, value in values.items():
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")


def _require_gains(kp: float, ki: float, kd: float) -> None:
    _require_finite(kp=kp, ki=ki, kd=kd)
    if kp < 0 or ki < 0 or kd < 0:
        raise ValueError(f"PID gains must not be negative: kp={kp}, ki={ki}, kd={kd}")


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


class Pid:
    """Duty = P on error + clamped integral term + D on the low-pass filtered measurement.

    Gains: kp in duty/°C, ki in duty/(°C·s), kd in duty·s/°C. The integral term is accumulated
    as ki·e·dt, held within [out_min, out_max], and only integrates up to the value that just
    saturates the output, never further (conditional integration); so after any time on a rail
    the output leaves it as soon as the error changes sign. The derivative acts on the
    measurement, so a setpoint step causes no kick, and is low-pass filtered with time constant
    `d_filter_s` (0 = unfiltered). `preload` starts the integral at a holding duty; `set_gains`
    is bumpless unless the integral would have to leave [out_min, out_max].
    """

    def __init__(
        self,
        kp: float,
        ki: float,
        kd: float,
        d_filter_s: float,
        out_min: float = 0.0,
        out_max: float = 1.0,
    ) -> None:
        _require_gains(kp, ki, kd)
        _require_finite(d_filter_s=d_filter_s, out_min=out_min, out_max=out_max)
        if d_filter_s < 0:
            raise ValueError(f"d_filter_s must not be negative, got {d_filter_s}")
        if out_min >= out_max:
            raise ValueError(f"out_min {out_min} must be below out_max {out_max}")
        self.kp, self.ki, self.kd = kp, ki, kd
        self.d_filter_s = d_filter_s
        self.out_min, self.out_max = out_min, out_max
        self._integral = out_min
        self._last_output = out_min
        self._error_c = 0.0
        self._rate_c_s = 0.0
        self._last_s: float | None = None
        self._filtered_c = 0.0

    @property
    def integral_term(self) -> float:
        """The integral contribution to the duty; always within [out_min, out_max]."""
        return self._integral

    @property
    def last_output(self) -> float:
        """The duty returned by the last update (out_min before the first one)."""
        return self._last_output

    @property
    def p_term(self) -> float:
        """The proportional contribution at the last update."""
        return self.kp * self._error_c

    @property
    def d_term(self) -> float:
        """The derivative contribution at the last update (negative while heating up)."""
        return -self.kd * self._rate_c_s

    def reset(self) -> None:
        """Forget all history: integral to out_min, and no derivative on the next update."""
        self._integral = self.out_min
        self._last_output = self.out_min
        self._error_c = self._rate_c_s = 0.0
        self._last_s = None

    def preload(self, duty: float) -> None:
        """Start the integral term at a known holding duty (clamped), e.g. after autotune."""
        _require_finite(duty=duty)
        self._integral = _clamp(duty, self.out_min, self.out_max)

    def set_gains(self, kp: float, ki: float, kd: float) -> None:
        """Change gains bumplessly: the integral absorbs the change so the output stays put."""
        _require_gains(kp, ki, kd)
        self.kp, self.ki, self.kd = kp, ki, kd
        if self._last_s is not None:
            held = self._last_output - self.p_term - self.d_term
            self._integral = _clamp(held, self.out_min, self.out_max)

    def update(self, now_s: float, measured_c: float, setpoint_c: float) -> float:
        """Return the duty for this instant; time must increase between calls."""
        if not (math.isfinite(now_s) and math.isfinite(measured_c) and math.isfinite(setpoint_c)):
            _require_finite(now_s=now_s, measured_c=measured_c, setpoint_c=setpoint_c)
        dt_s = self._elapsed_s(now_s)
        self._error_c = setpoint_c - measured_c
        if dt_s is None:  # first update: nothing to differentiate or integrate yet
            self._filtered_c = measured_c
            self._rate_c_s = 0.0
        else:
            self._rate_c_s = self._filter(measured_c, dt_s) / dt_s
        p_term, d_term = self.kp * self._error_c, -self.kd * self._rate_c_s  # as the properties
        if dt_s is not None:
            self._integrate(dt_s, p_term + d_term)
        self._last_s = now_s
        unclamped = p_term + self._integral + d_term
        self._last_output = min(self.out_max, max(self.out_min, unclamped))
        return self._last_output

    def _elapsed_s(self, now_s: float) -> float | None:
        if self._last_s is None:
            return None
        dt_s = now_s - self._last_s
        if not dt_s > 0:
            raise ValueError(f"time must increase between updates: dt={dt_s} s")
        return dt_s

    def _filter(self, measured_c: float, dt_s: float) -> float:
        """Low-pass the measurement; return how far the filtered value moved this step."""
        alpha = dt_s / (self.d_filter_s + dt_s)
        step_c = alpha * (measured_c - self._filtered_c)
        self._filtered_c += step_c
        return step_c

    def _integrate(self, dt_s: float, p_and_d: float) -> None:
        """Conditional integration: integrate up to the rail, never further into saturation."""
        error_c, held = self._error_c, self._integral
        candidate = held + self.ki * error_c * dt_s
        if error_c > 0:
            candidate = min(candidate, max(held, self.out_max - p_and_d))
        elif error_c < 0:
            candidate = max(candidate, min(held, self.out_min - p_and_d))
        self._integral = _clamp(candidate, self.out_min, self.out_max)
