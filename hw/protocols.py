"""Hardware roles the control core talks to, as Protocols (real drivers and sim implement them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# MAX31855 fault codes, as decoded from the chip's fault bits (plus bus errors).
FAULT_OPEN = "tc_open"
FAULT_SHORT_GND = "tc_short_gnd"
FAULT_SHORT_VCC = "tc_short_vcc"
FAULT_SPI = "spi_error"
SENSOR_FAULTS = (FAULT_OPEN, FAULT_SHORT_GND, FAULT_SHORT_VCC, FAULT_SPI)


@dataclass(frozen=True, slots=True)
class Reading:
    """One conversion from a thermocouple: a temperature, or a fault code (never both)."""

    temperature_c: float | None
    fault: str | None = None


class Clock(Protocol):
    """Monotonic machine time in seconds, plus the Unix time that corresponds to it."""

    def now(self) -> float: ...

    def wall(self) -> float: ...


class TemperatureSensor(Protocol):
    """A thermocouple amplifier. `read` returns None when no new conversion is available."""

    def read(self) -> Reading | None: ...

    def close(self) -> None: ...


class HeaterOutput(Protocol):
    """An SSR driving one heater zone. The core time-proportions it tick by tick."""

    def set(self, on: bool) -> None: ...

    def close(self) -> None: ...


class DigitalOutput(Protocol):
    """A plain on/off output (fan, pump, contactor, heartbeat). `on` is the logical state."""

    def set(self, on: bool) -> None: ...

    def close(self) -> None: ...


class DigitalInput(Protocol):
    """A debounced input. `read` returns the logical (asserted) state after polarity."""

    def read(self) -> bool: ...

    def close(self) -> None: ...


class StepperDriver(Protocol):
    """A step/dir/enable driver (DM556). Step trains come from hardware, never a Python loop."""

    def set_enabled(self, enabled: bool) -> None: ...

    def set_direction(self, forward: bool) -> None: ...

    def set_step_hz(self, step_hz: float) -> None: ...

    def alarm(self) -> bool: ...

    def close(self) -> None: ...
