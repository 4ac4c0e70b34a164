"""SSR time-proportioning: a duty becomes one on-block per window, resolved to the control tick."""

from __future__ import annotations

import math


def _check_duty(duty: float) -> float:
    if not math.isfinite(duty):
        raise ValueError(f"duty must be a finite number, got {duty!r}")
    return min(1.0, max(0.0, duty))


class TimeProportioner:
    """Turns a duty in [0, 1] into heater on/off per tick over a fixed window.

    Each window starts with one on-block of round(duty × ticks per window) ticks; the rounding
    remainder is carried into the next window, so the long-run on-fraction equals the duty. A new
    duty takes effect in the current window: the block is cut short or extended, but a window
    never holds more than the highest duty asked for in it, give or take the carried tick (no
    burst). Duty 0 is never on, duty 1 always on.
    """

    def __init__(self, window_s: float, tick_s: float) -> None:
        if not (math.isfinite(window_s) and math.isfinite(tick_s)) or tick_s <= 0:
            raise ValueError(
                f"window_s and tick_s must be finite and positive: {window_s}, {tick_s}"
            )
        if window_s < 2 * tick_s:
            raise ValueError(f"window_s {window_s} must be at least two ticks of {tick_s}")
        self.window_s = window_s
        self.tick_s = tick_s
        self.ticks_per_window = round(window_s / tick_s)
        self._window_start_s: float | None = None
        self._on_ticks = 0
        self._carry = 0.0
        self._window_duty = 0.0

    @property
    def on_ticks_this_window(self) -> int:
        """How many ticks the heater has been on since the current window began."""
        return self._on_ticks

    def reset(self) -> None:
        """Forget the window and the carried remainder (e.g. after outputs were forced off)."""
        self._window_start_s = None
        self._on_ticks = 0
        self._carry = 0.0

    def update(self, now_s: float, duty: float) -> bool:
        """Return whether the heater is on for the tick starting at `now_s`."""
        duty = _check_duty(duty)
        self._advance_window(now_s)
        self._window_duty = duty
        if duty <= 0.0 or (duty < 1.0 and self._on_ticks >= self._planned(duty)):
            return False
        self._on_ticks += 1
        return True

    def _planned(self, duty: float) -> int:
        wanted = duty * self.ticks_per_window + self._carry
        return min(self.ticks_per_window, max(0, math.floor(wanted + 0.5)))

    def _advance_window(self, now_s: float) -> None:
        if not math.isfinite(now_s):
            raise ValueError(f"now_s must be finite, got {now_s!r}")
        start = self._window_start_s
        if start is None or now_s < start:
            self._begin_window(now_s, carry=0.0)
            return
        elapsed = now_s - start
        if elapsed < self.window_s - self.tick_s / 2:
            return
        carry = self._window_duty * self.ticks_per_window + self._carry - self._on_ticks
        windows = math.floor((elapsed + self.tick_s / 2) / self.window_s)
        fresh = windows > 1
        self._begin_window(start + windows * self.window_s, carry=0.0 if fresh else carry)

    def _begin_window(self, start_s: float, carry: float) -> None:
        self._window_start_s = start_s
        self._on_ticks = 0
        self._carry = min(1.0, max(-1.0, carry))
