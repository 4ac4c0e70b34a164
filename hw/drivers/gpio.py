"""GPIO outputs and debounced inputs through the RPi.GPIO API (rpi-lgpio on a Pi 5)."""

from __future__ import annotations

import importlib
from typing import Any

from hw.protocols import Clock

# Config `pull` values → RPi.GPIO constant names.
PULLS = {"up": "PUD_UP", "down": "PUD_DOWN", "none": "PUD_OFF"}
TIME_EPS_S = 1e-9  # sums of float tick times drift; a window met to within 1 ns is met


def gpio_module() -> Any:
    """Import RPi.GPIO on first use and make sure it numbers pins BCM-style."""
    gpio = importlib.import_module("RPi.GPIO")
    if gpio.getmode() != gpio.BCM:
        gpio.setmode(gpio.BCM)
    return gpio


def drive_high(on: bool, active_low: bool) -> bool:
    """The electrical level (True = high) that shows logical state `on`."""
    return on != active_low


class GpioOutput:
    """An on/off output (SSR, fan, contactor, heartbeat). Starts OFF, with no glitch at set-up.

    `initial_on` exists for signal lines with no safe 'off' (a stepper's DIR); never for power.
    """

    def __init__(self, pin: int, *, active_low: bool = False, initial_on: bool = False) -> None:
        self.pin = pin
        self.active_low = active_low
        self._gpio = gpio_module()
        # The initial level goes into setup() itself, so the pin never shows another level.
        self._gpio.setup(pin, self._gpio.OUT, initial=self._level(initial_on))
        self.on = initial_on

    def _level(self, on: bool) -> int:
        return int(self._gpio.HIGH if drive_high(on, self.active_low) else self._gpio.LOW)

    def set(self, on: bool) -> None:
        self._gpio.output(self.pin, self._level(on))
        self.on = on

    def close(self) -> None:
        """Drive OFF and keep driving: a released pin would float, and SSR inputs must not."""
        self.set(False)


class Debouncer:
    """Accepts a new level only once it has been seen unchanged for `debounce_s`."""

    def __init__(self, debounce_s: float, initial: bool) -> None:
        if debounce_s < 0:
            raise ValueError("debounce_s must be >= 0")
        self.debounce_s = debounce_s
        self.state = initial
        self._candidate = initial
        self._since_s: float | None = None

    def update(self, level: bool, now_s: float) -> bool:
        """Feed one sample taken at `now_s`; return the debounced state."""
        if level == self.state:
            self._since_s = None
            return self.state
        if self._since_s is None or level != self._candidate:
            self._candidate = level
            self._since_s = now_s
        if now_s - self._since_s >= self.debounce_s - TIME_EPS_S:
            self.state = level
            self._since_s = None
        return self.state


class GpioInput:
    """A polled input with pull, polarity and software debounce; `read` gives the asserted state."""

    def __init__(
        self,
        pin: int,
        clock: Clock,
        *,
        active_low: bool = True,
        pull: str = "up",
        debounce_s: float = 0.02,
    ) -> None:
        if pull not in PULLS:
            raise ValueError(f"pull must be one of {sorted(PULLS)}, not {pull!r}")
        self.pin = pin
        self.active_low = active_low
        self._clock = clock
        self._gpio = gpio_module()
        self._gpio.setup(pin, self._gpio.IN, pull_up_down=getattr(self._gpio, PULLS[pull]))
        # The level at start-up is taken as settled: an open E-stop chain shows at once.
        self._debouncer = Debouncer(debounce_s, self._asserted())

    def _asserted(self) -> bool:
        return bool(self._gpio.input(self.pin)) != self.active_low

    def read(self) -> bool:
        return self._debouncer.update(self._asserted(), self._clock.now())

    def close(self) -> None:
        self._gpio.cleanup(self.pin)
