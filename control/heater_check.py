"""Heater plausibility checks (Klipper verify_heater style): not heating, and SSR stuck on."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

NO_GAIN = "no_gain"  # driven hard for heating_period_s without gaining heating_gain_c
MAX_ERROR = "max_error"  # reached its setpoint band, then fell more than max_error_c below it
FELL_DRIVEN = "fell_driven"  # held its band, then fell out of it at heating_duty_min or more


@dataclass(frozen=True, slots=True)
class HeaterCheckLimits:
    heating_gain_c: float
    heating_period_s: float
    heating_duty_min: float
    stuck_rise_c: float
    stuck_period_s: float
    max_error_c: float
    near_c: float  # within this of its setpoint a zone is holding it (Klipper's hysteresis)


class HeaterCheck:
    """Watches one zone's commanded duty and setpoint against its temperature trend.

    A temperature of None means "no valid reading this tick" (a bad or stale read, or a tick
    whose duty the sensor fault forced to 0): every window holds, as Klipper's verify_heater
    holds the last good reading, so intermittent faults cannot keep restarting the checks.

    Not heating: the heater may be driven at heating_duty_min or more for heating_period_s in
    total before the reading has gained heating_gain_c over its lowest value. Driven time only
    restarts from 0 on such a gain or when the zone is within near_c of its setpoint; a low duty
    (a stop, an idle spell, a restart) pauses it, so a heater or probe that never proved itself
    cannot earn a fresh window by being switched off and on again.

    Fell while driven: once a zone holds its setpoint (within near_c/2 of it with the PID off
    full power, so no longer approaching), a reading a whole band width below the band
    (2 × near_c under the setpoint) while the heater was driven at heating_duty_min or more trips
    at once; the margins keep an approach or a lively loop dithering at the band edge from it.
    A heater at full power cannot lose a zone it was holding unless the probe came off, the
    heater failed or the load is beyond it; without this rule such a zone only lost the gate,
    the machine stopped to idle with a warning and the heater, no longer driven, never finished
    its window.

    Max error: once a zone has reached its setpoint band, a reading more than max_error_c below
    the setpoint trips (this catches a fall at lower duty, e.g. with soft gains). A new setpoint
    (or the zone no longer regulating to one) is a new heat-up: both rules re-arm only when the
    zone reaches the band again.
    """

    def __init__(self, limits: HeaterCheckLimits) -> None:
        self.limits = limits
        self._driven_s = 0.0  # time driven hard since the heater last proved itself
        self._low_c: float | None = None  # lowest reading since then; None: no open window
        self._last_driven_s: float | None = None  # previous tick, if it was driven hard
        self._target_c: float | None = None
        self._reached = False
        self._holding = False  # settled near its setpoint below full power: not approaching
        self._off_window: deque[tuple[float, float]] = deque()

    def not_heating(
        self, now_s: float, duty: float, temperature_c: float | None, target_c: float | None = None
    ) -> str | None:
        """NO_GAIN, FELL_DRIVEN or MAX_ERROR when the heater is implausible now, else None.

        `duty` is the duty the heater was driven at while this reading was taken; `target_c`
        is the setpoint the zone's PID regulates to, None when it regulates to none (idle,
        manual duty, autotune)."""
        if temperature_c is None:
            return None
        if target_c != self._target_c:
            self._target_c, self._reached, self._holding = target_c, False, False
        lim = self.limits
        if target_c is not None and temperature_c >= target_c - lim.near_c:
            self._reached = True
            settled = temperature_c >= target_c - lim.near_c / 2 and duty < lim.heating_duty_min
            self._holding = self._holding or settled
            self._close_window()
            return None
        if self._reached and target_c is not None:
            verdict = self._fell_from_band(duty, target_c - temperature_c)
            if verdict is not None:
                return verdict
        return self._track_gain(now_s, duty >= lim.heating_duty_min, temperature_c)

    def _fell_from_band(self, duty: float, below_c: float) -> str | None:
        """The verdict for a zone that held its band and is now below it, by `below_c`."""
        lim = self.limits
        if self._holding and duty >= lim.heating_duty_min and below_c > 2 * lim.near_c:
            verdict: str | None = FELL_DRIVEN
        elif below_c > lim.max_error_c:
            verdict = MAX_ERROR
        else:
            return None
        self._reached = self._holding = False
        self._close_window()
        return verdict

    def _track_gain(self, now_s: float, driven: bool, temperature_c: float) -> str | None:
        low = temperature_c if self._low_c is None else min(self._low_c, temperature_c)
        if not driven:  # paused: the window keeps its driven time and follows the reading down
            self._last_driven_s = None
            if self._low_c is not None:
                self._low_c = low
            return None
        if self._low_c is None:
            self._driven_s = 0.0
        elif self._last_driven_s is not None:
            self._driven_s += now_s - self._last_driven_s
        self._last_driven_s = now_s
        if temperature_c - low >= self.limits.heating_gain_c:
            self._low_c, self._driven_s = temperature_c, 0.0  # progress: the heater proved itself
            return None
        self._low_c = low
        if self._driven_s >= self.limits.heating_period_s:
            self._close_window()  # the trip latches; after a reset the heater gets a new window
            return NO_GAIN
        return None

    def _close_window(self) -> None:
        self._low_c = None
        self._last_driven_s = None
        self._driven_s = 0.0

    def stuck_on(self, now_s: float, duty: float, temperature_c: float | None) -> bool:
        """True when, with the heater commanded off, the temperature rose `stuck_rise_c` above its
        lowest value within the last `stuck_period_s` (a rolling window). No valid reading
        (None) holds the window."""
        if temperature_c is None:
            return False
        if duty > 0.0:
            self._off_window.clear()
            return False
        window = self._off_window
        while window and window[-1][1] >= temperature_c:
            window.pop()  # monotonic deque: keeps candidates for the rolling minimum
        window.append((now_s, temperature_c))
        while window[0][0] < now_s - self.limits.stuck_period_s:
            window.popleft()
        return temperature_c - window[0][1] >= self.limits.stuck_rise_c
