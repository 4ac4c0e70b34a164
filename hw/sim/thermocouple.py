"""Simulated MAX31855 thermocouple amplifier: lagged plant temperature, noise, 0.25 °C, faults."""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Callable

from hw.protocols import Reading
from hw.sim.bus import SimBus
from hw.sim.faults import FaultInjector

CONVERSION_S = 0.1  # the MAX31855 delivers a new conversion every ~100 ms
RESOLUTION_C = 0.25  # 14-bit thermocouple word, 0.25 °C per LSB
NOISE_CLIP = 4.0  # noise is Gaussian, clipped at ±4 sigma so it is bounded


def quantise(temperature_c: float) -> float:
    """Round to the MAX31855's 0.25 °C resolution."""
    return math.floor(temperature_c / RESOLUTION_C + 0.5) * RESOLUTION_C


def sensor_seed(seed: int, sensor_id: str) -> int:
    """A stable per-sensor RNG seed (independent of PYTHONHASHSEED)."""
    return seed * 1_000_003 + zlib.crc32(sensor_id.encode("utf-8"))


class SimThermocouple:
    """TemperatureSensor for one channel.

    Conversions complete every CONVERSION_S of machine time (at multiples of it); `read()` returns
    the newest one once, then None until the next completes. A conversion is the sensor-lagged
    temperature from `source` plus clipped Gaussian noise, quantised; or `Reading(None, code)`
    under a tc_*/spi_error fault; `sensor_frozen` stops conversions altogether.
    """

    def __init__(
        self,
        sensor_id: str,
        bus: SimBus,
        faults: FaultInjector,
        source: Callable[[], float],
        noise_c: float,
        seed: int,
    ) -> None:
        self.sensor_id = sensor_id
        self._label = f"sensor {sensor_id}"
        self._bus = bus
        self._faults = faults
        self._source = source
        self._noise_c = noise_c
        self._seed = sensor_seed(seed, sensor_id)
        self._closed = False
        self.reset()

    def reset(self) -> None:
        self._rng = random.Random(self._seed)
        self._last_conversion = -1
        self._reads = 0

    def read(self) -> Reading | None:
        with self._bus.lock:
            now_s = self._bus.now(self._closed, self._label)
            if self._faults.has("sensor_frozen", self.sensor_id):
                return None
            conversion = math.floor(now_s / CONVERSION_S + 1e-9)
            if conversion <= self._last_conversion:
                return None
            self._last_conversion = conversion
            self._reads += 1
            fault = self._faults.sensor_fault(self.sensor_id)
            if fault is not None:
                return Reading(None, fault)
            return Reading(quantise(self._source() + self._noise()))

    def close(self) -> None:
        self._closed = True

    @property
    def conversions_read(self) -> int:
        """How many conversions software has fetched (readings and fault words)."""
        return self._reads

    def _noise(self) -> float:
        if self._noise_c <= 0:
            return 0.0
        limit = NOISE_CLIP * self._noise_c
        return max(-limit, min(limit, self._rng.gauss(0.0, self._noise_c)))
