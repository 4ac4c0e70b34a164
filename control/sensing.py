"""Sensor bookkeeping: last good reading, its age, consecutive faults, read cadence."""

from __future__ import annotations

from hw.protocols import TemperatureSensor


class SensorTrack:
    """Polls one thermocouple at its period and remembers what safety needs to judge it."""

    def __init__(self, sensor: TemperatureSensor, period_s: float) -> None:
        self.sensor = sensor
        self.period_s = period_s
        self.temperature_c: float | None = None
        self.last_ok_s: float | None = None
        self.fault: str | None = None
        self.consecutive_faults = 0
        self.read_errors = 0
        self._next_read_s = 0.0
        self._first_poll_s: float | None = None

    def poll(self, now_s: float) -> None:
        """Read the sensor if a conversion is due. Never raises: a failing bus is a fault."""
        if self._first_poll_s is None:
            self._first_poll_s = now_s
        if now_s < self._next_read_s:
            return
        self._next_read_s = now_s + self.period_s
        try:
            reading = self.sensor.read()
        except Exception:
            self._record_fault("spi_error")
            return
        if reading is None:
            return
        if reading.fault is not None or reading.temperature_c is None:
            self._record_fault(reading.fault or "spi_error")
            return
        self.temperature_c = reading.temperature_c
        self.last_ok_s = now_s
        self.fault = None
        self.consecutive_faults = 0

    def _record_fault(self, code: str) -> None:
        self.fault = code
        self.consecutive_faults += 1
        self.read_errors += 1

    def age_s(self, now_s: float) -> float | None:
        return None if self.last_ok_s is None else max(0.0, now_s - self.last_ok_s)

    def silent_for_s(self, now_s: float) -> float:
        """Seconds since the last good reading (or since polling began, if none yet)."""
        since = self.last_ok_s if self.last_ok_s is not None else self._first_poll_s
        return 0.0 if since is None else max(0.0, now_s - since)

    def healthy(self, now_s: float, stale_s: float) -> bool:
        """A fresh reading and no fault right now: the only case a heater may be driven."""
        last = self.last_ok_s
        return self.fault is None and last is not None and max(0.0, now_s - last) <= stale_s
