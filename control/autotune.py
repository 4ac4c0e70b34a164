"""Relay (Åström–Hägglund) autotune for one heated zone, with time passed in."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

State = Literal["running", "done", "failed"]
Reason = Literal["aborted", "sensor_fault", "limit", "timeout"]

DEFAULT_LIMIT_MARGIN_C = 30.0  # limit_c defaults to setpoint + this


def relay_ultimate_gain(relay_amplitude: float, oscillation_amplitude_c: float) -> float:
    """Describing-function estimate Ku = 4d / (π a); d is half the relay swing, a half the p-p."""
    return 4.0 * relay_amplitude / (math.pi * oscillation_amplitude_c)


def tyreus_luyben_gains(ku: float, tu_s: float) -> tuple[float, float, float]:
    """Tyreus–Luyben PID: Kp = Ku/2.2, Ti = 2.2 Tu, Td = Tu/6.3 -> (kp, ki, kd).

    The default for heaters: its long integral time keeps the integral from charging up during
    the approach. On the reference plant it lands within 1 °C, where Ziegler–Nichols "no
    overshoot" (Ti = Tu/2) overshoots by about 3 °C.
    """
    kp = ku / 2.2
    return kp, kp / (2.2 * tu_s), kp * tu_s / 6.3


def zn_no_overshoot_gains(ku: float, tu_s: float) -> tuple[float, float, float]:
    """Ziegler–Nichols "no overshoot" PID: Kp = 0.2 Ku, Ti = Tu/2, Td = Tu/3 -> (kp, ki, kd)."""
    kp = 0.2 * ku
    return kp, kp / (0.5 * tu_s), kp * tu_s / 3.0


TUNING_RULES: dict[str, Callable[[float, float], tuple[float, float, float]]] = {
    "tyreus_luyben": tyreus_luyben_gains,
    "zn_no_overshoot": zn_no_overshoot_gains,
}


@dataclass
class _Cycle:
    """Extremes and timing of one relay period (switch-on to next switch-on)."""

    start_s: float
    end_s: float = math.nan
    high_s: float = 0.0
    min_c: float = math.inf
    max_c: float = -math.inf


@dataclass
class _Relay:
    """The relay with hysteresis around the setpoint, and the cycles it has completed."""

    heating: bool = True
    current: _Cycle | None = None
    done: list[_Cycle] = field(default_factory=list)


class RelayAutotune:
    """Oscillate a zone with a relay around the setpoint and derive PID gains from it.

    The relay gives duty_high until the temperature rises above setpoint + hysteresis, then
    duty_low until it falls below setpoint − hysteresis. A cycle runs from one switch-on to the
    next; the heat-up before the first switch-on is ignored. After `cycles` cycles, a (half the
    mean peak-to-peak temperature) and Tu (mean period) give Ku = 4d/(πa) with d = half the relay
    swing, and gains by a tuning rule (Tyreus–Luyben by default). The mean duty over the cycles
    is reported as `hold_duty`, the duty that holds the setpoint, for `Pid.preload`.
    """

    def __init__(
        self,
        setpoint_c: float,
        hysteresis_c: float = 1.0,
        duty_high: float = 1.0,
        duty_low: float = 0.0,
        cycles: int = 5,
        timeout_s: float = 3600.0,
        limit_c: float | None = None,
        rule: str = "tyreus_luyben",
    ) -> None:
        limit = setpoint_c + DEFAULT_LIMIT_MARGIN_C if limit_c is None else limit_c
        _check_args(setpoint_c, hysteresis_c, duty_high, duty_low, cycles, timeout_s, limit)
        if rule not in TUNING_RULES:
            raise ValueError(f"rule must be one of {sorted(TUNING_RULES)}, got {rule!r}")
        self.rule = rule
        self.setpoint_c = setpoint_c
        self.hysteresis_c = hysteresis_c
        self.duty_high, self.duty_low = duty_high, duty_low
        self.cycles = cycles
        self.timeout_s = timeout_s
        self.limit_c = limit
        self.state: State = "running"
        self.reason: Reason | None = None
        self._start_s: float | None = None
        self._relay = _Relay()

    @property
    def progress(self) -> float:
        """Completed cycles over cycles asked for, 0..1."""
        return min(1.0, len(self._relay.done) / self.cycles)

    def abort(self) -> None:
        """Stop now (state failed, reason aborted); the owner hands the heater back to its PID."""
        self._fail("aborted")

    def update(self, now_s: float, measured_c: float | None) -> float:
        """Feed one reading (None = sensor fault); return the duty to apply (0 unless running)."""
        if self.state != "running":
            return 0.0
        if self._start_s is None:
            self._start_s = now_s
        if measured_c is None or not math.isfinite(measured_c):
            return self._fail("sensor_fault")
        if measured_c > self.limit_c:
            return self._fail("limit")
        if now_s - self._start_s > self.timeout_s:
            return self._fail("timeout")
        self._step_relay(now_s, measured_c)
        if len(self._relay.done) >= self.cycles:
            self.state = "done"
            return 0.0
        return self.duty_high if self._relay.heating else self.duty_low

    def result(self) -> dict[str, float]:
        """kp, ki, kd, ku, tu_s, amplitude_c and hold_duty; only once the state is done."""
        if self.state != "done":
            raise RuntimeError(f"autotune has no result while {self.state}")
        done = self._relay.done
        total_s = sum(c.end_s - c.start_s for c in done)
        high_fraction = sum(c.high_s for c in done) / total_s
        amplitude_c = sum((c.max_c - c.min_c) / 2.0 for c in done) / len(done)
        ku = relay_ultimate_gain((self.duty_high - self.duty_low) / 2.0, amplitude_c)
        tu_s = total_s / len(done)
        kp, ki, kd = TUNING_RULES[self.rule](ku, tu_s)
        hold = self.duty_low + high_fraction * (self.duty_high - self.duty_low)
        return {
            "kp": kp,
            "ki": ki,
            "kd": kd,
            "ku": ku,
            "tu_s": tu_s,
            "amplitude_c": amplitude_c,
            "hold_duty": hold,
        }

    def _fail(self, reason: Reason) -> float:
        """Latch the first failure reason; the duty from then on is 0."""
        if self.state == "running":
            self.state = "failed"
            self.reason = reason
        return 0.0

    def _step_relay(self, now_s: float, measured_c: float) -> None:
        relay = self._relay
        cycle = relay.current
        if cycle is not None:
            cycle.min_c = min(cycle.min_c, measured_c)
            cycle.max_c = max(cycle.max_c, measured_c)
        if relay.heating and measured_c > self.setpoint_c + self.hysteresis_c:
            relay.heating = False
            if cycle is not None:
                cycle.high_s = now_s - cycle.start_s
        elif not relay.heating and measured_c < self.setpoint_c - self.hysteresis_c:
            relay.heating = True
            self._switch_on(now_s)

    def _switch_on(self, now_s: float) -> None:
        relay = self._relay
        if relay.current is not None:
            relay.current.end_s = now_s
            relay.done.append(relay.current)
        relay.current = _Cycle(start_s=now_s)


def _check_args(
    setpoint_c: float,
    hysteresis_c: float,
    duty_high: float,
    duty_low: float,
    cycles: int,
    timeout_s: float,
    limit_c: float,
) -> None:
    values = (setpoint_c, hysteresis_c, duty_high, duty_low, timeout_s, limit_c)
    if not all(math.isfinite(v) for v in values):
        raise ValueError("autotune arguments must be finite numbers")
    if hysteresis_c <= 0 or timeout_s <= 0 or cycles < 1:
        raise ValueError("hysteresis_c and timeout_s must be positive and cycles at least 1")
    if not 0.0 <= duty_low < duty_high <= 1.0:
        raise ValueError(f"need 0 <= duty_low < duty_high <= 1, got {duty_low}, {duty_high}")
    if limit_c <= setpoint_c + hysteresis_c:
        raise ValueError(f"limit_c {limit_c} must be above setpoint + hysteresis")
