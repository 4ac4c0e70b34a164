"""Heater plausibility checks (Klipper verify_heater style): not heating, and SSR stuck on."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HeaterCheckLimits:
    heating_gain_c: float
    heating_period_s: float
    heating_duty_min: float
    stuck_rise_c: float
    stuck_period_s: float


class HeaterCheck:
    """Watches one zone's commanded duty against its temperature trend."""

    def __init__(self, limits: HeaterCheckLimits) -> None:
        self.limits = limits
        self._hot_since: tuple[float, float] | None = None  # (t, temperature) when duty went high
        self._off_window: deque[tuple[float, float]] = deque()

    def reset(self) -> None:
        self._hot_since = None
        self._off_window.clear()

    def not_heating(self, now_s: float, duty: float, temperature_c: float | None) -> bool:
        """True when the heater has been driven hard for a period without the expected gain."""
        lim = self.limits
        if temperature_c is None or duty < lim.heating_duty_min:
            self._hot_since = None
            return False
        if self._hot_since is None:
            self._hot_since = (now_s, temperature_c)
            return False
        t0, c0 = self._hot_since
        if temperature_c - c0 >= lim.heating_gain_c:
            self._hot_since = (now_s, temperature_c)  # progress made: start a new window
            return False
        return now_s - t0 >= lim.heating_period_s

    def stuck_on(self, now_s: float, duty: float, temperature_c: float | None) -> bool:
        """True when, with the heater commanded off, the temperature rose `stuck_rise_c` above its
        lowest value within the last `stuck_period_s` (a rolling window)."""
        if temperature_c is None or duty > 0.0:
            self._off_window.clear()
            return False
        window = self._off_window
        while window and window[-1][1] >= temperature_c:
            window.pop()  # monotonic deque: keeps candidates for the rolling minimum
        window.append((now_s, temperature_c))
        while window[0][0] < now_s - self.limits.stuck_period_s:
            window.popleft()
        return temperature_c - window[0][1] >= self.limits.stuck_rise_c
