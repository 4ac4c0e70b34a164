"""MAX31855 thermocouple amplifier on SPI: our decoder for its 32-bit word and faults, the
Adafruit library's NIST Type-K correction, and a thin driver that reads each word once."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from hw.protocols import (
    FAULT_OPEN,
    FAULT_SHORT_GND,
    FAULT_SHORT_VCC,
    FAULT_SPI,
    Clock,
    Reading,
)

log = logging.getLogger(__name__)

CONVERSION_S = 0.1  # datasheet: 70 ms typical, 100 ms max; CS low aborts a conversion
TIME_EPS_S = 1e-9  # float tick sums drift; a period met to within 1 ns is met
SPI_BAUD_HZ = 1_000_000  # the chip allows 5 MHz; slower is kinder to long sensor leads

# Word layout (datasheet): D31..D18 thermocouple °C ×4 (signed), D17 reserved (0),
# D16 fault, D15..D4 cold junction, D3 reserved (0), D2 SCV, D1 SCG, D0 OC.
FAULT_BIT = 1 << 16
RESERVED_BITS = (1 << 17) | (1 << 3)
FAULT_CODES = ((1 << 0, FAULT_OPEN), (1 << 1, FAULT_SHORT_GND), (1 << 2, FAULT_SHORT_VCC))


def decode_max31855(raw: int) -> Reading:
    """Decode one 32-bit MAX31855 word into its linear temperature or a fault code.

    The linear value assumes 41.276 µV/°C; Type K is not linear (it reads 2-3.5 °C low at
    200-260 °C), so the driver reports `decode_nist` instead.

    Words no working chip sends are bus errors: reserved bits set (a floating MISO reads
    0xFFFFFFFF), all zeros (MISO stuck low), or a fault flag without a cause bit.
    """
    raw &= 0xFFFF_FFFF
    if raw == 0 or raw & RESERVED_BITS:
        return Reading(None, FAULT_SPI)
    if raw & FAULT_BIT:
        return Reading(None, _fault_code(raw))
    return Reading(_signed(raw >> 18, 14) * 0.25)


def cold_junction_c(raw: int) -> float:
    """The chip's internal (cold-junction) temperature in a word: D15..D4, 0.0625 °C, signed."""
    return _signed((raw & 0xFFFF) >> 4, 12) * 0.0625


class _OneWordBus:
    """A busio.SPI stand-in that answers the word already read from the chip.

    adafruit_max31855 computes its NIST correction only from reads it makes itself, two of them
    (thermocouple, then cold junction); replaying one real word keeps both halves from the same
    conversion and keeps the chip to one transfer per conversion."""

    def __init__(self) -> None:
        self.word = bytes(4)

    def try_lock(self) -> bool:
        return True

    def unlock(self) -> None:
        pass

    def configure(self, **_settings: int) -> None:
        pass

    def readinto(self, buf: bytearray, **_kw: int) -> None:
        buf[:] = self.word

    def write(self, buf: bytes, **_kw: int) -> None:
        pass


class _NoChipSelect:
    """The replay bus has no chip to select."""

    value = True

    def switch_to_output(self, value: bool = False, **_kw: object) -> None:
        self.value = value


class NistTypeK:
    """Type-K temperature of a valid word, by adafruit_max31855's `temperature_NIST`."""

    def __init__(self) -> None:
        library = importlib.import_module("adafruit_max31855")
        self._bus = _OneWordBus()
        self._chip = library.MAX31855(self._bus, _NoChipSelect())

    def __call__(self, raw: int) -> float | None:
        """°C, or None when the word lies outside the NIST Type-K range (-270..1372 °C)."""
        self._bus.word = (raw & 0xFFFF_FFFF).to_bytes(4, "big")
        try:
            return float(self._chip.temperature_NIST)
        except RuntimeError:  # "Total thermoelectric voltage out of range"
            return None


def decode_nist(raw: int, nist: NistTypeK) -> Reading:
    """Our validity and fault decode, then the NIST-corrected temperature of a good word."""
    reading = decode_max31855(raw)
    if reading.fault is not None:
        return reading
    temperature_c = nist(raw)
    if temperature_c is None:  # no Type K in a working machine reads this: treat as a bad read
        return Reading(None, FAULT_SPI)
    return Reading(temperature_c)


def _fault_code(raw: int) -> str:
    for bit, code in FAULT_CODES:
        if raw & bit:
            return code
    return FAULT_SPI


def _signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value & (1 << (bits - 1)) else value


def open_spi_bus() -> Any:
    """The shared SPI0 bus (blinka busio). Chip selects are plain GPIOs, one per sensor."""
    board = importlib.import_module("board")
    busio = importlib.import_module("busio")
    return busio.SPI(board.SCK, MOSI=board.MOSI, MISO=board.MISO)


class Max31855Sensor:
    """One MAX31855 on the shared bus. `read` never raises and never outpaces the conversion."""

    def __init__(self, spi_bus: Any, cs_pin: int, clock: Clock) -> None:
        board = importlib.import_module("board")
        digitalio = importlib.import_module("digitalio")
        spi_device = importlib.import_module("adafruit_bus_device.spi_device")
        self.cs_pin = cs_pin
        self._clock = clock
        self._cs = digitalio.DigitalInOut(getattr(board, f"D{cs_pin}"))
        # SPIDevice drives CS high (idle) at once; MAX31855 is SPI mode 0, read-only.
        self._device = spi_device.SPIDevice(
            spi_bus, self._cs, baudrate=SPI_BAUD_HZ, polarity=0, phase=0
        )
        self._buf = bytearray(4)
        self._last_read_s: float | None = None
        self._bus_failing = False
        self._nist = NistTypeK()

    def read(self) -> Reading | None:
        """A new conversion, or None if asked again within one conversion time."""
        now = self._clock.now()
        if self._last_read_s is not None and now - self._last_read_s < CONVERSION_S - TIME_EPS_S:
            return None
        self._last_read_s = now
        try:
            raw = self._read_word()
        except Exception as err:  # a bus error is a sensor fault, never a crash
            if not self._bus_failing:  # log the change, not every 250 ms
                log.warning("MAX31855 on CS GPIO %d: SPI read failed: %s", self.cs_pin, err)
            self._bus_failing = True
            return Reading(None, FAULT_SPI)
        if self._bus_failing:
            log.info("MAX31855 on CS GPIO %d: SPI reads work again", self.cs_pin)
            self._bus_failing = False
        return decode_nist(raw, self._nist)

    def _read_word(self) -> int:
        with self._device as spi:
            spi.readinto(self._buf)
        return int.from_bytes(self._buf, "big")

    def close(self) -> None:
        self._cs.deinit()
