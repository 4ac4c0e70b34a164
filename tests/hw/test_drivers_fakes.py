"""Fake Pi libraries (RPi.GPIO, blinka) that tests put into sys.modules.

Kernel PWM is not a library but sysfs files: its fake is fake_sysfs_pwm.FakePwmSysfs.

Only the hardware boundary is faked; each fake is as strict as the real library where the drivers
could get it wrong (setup before use, BCM mode, one chip select at a time). No tests live here.
"""

from __future__ import annotations

import random
import sys
import types
from collections import deque
from typing import Any

import pytest


class FakePWM:
    """RPi.GPIO.PWM: software PWM on one pin."""

    def __init__(self, gpio: FakeGPIO, pin: int, frequency: float) -> None:
        if gpio.modes.get(pin) != gpio.OUT:
            raise RuntimeError("You must setup() the GPIO channel as an output first")
        if frequency <= 0:
            raise ValueError("frequency must be greater than 0.0")
        self.pin, self.frequency, self.duty, self.running = pin, frequency, 0.0, False
        self.calls: list[tuple[str, float]] = []

    def start(self, dc: float) -> None:
        self.calls.append(("start", dc))
        self.duty, self.running = dc, True

    def stop(self) -> None:
        self.calls.append(("stop", 0.0))
        self.running = False

    def ChangeFrequency(self, frequency: float) -> None:
        if frequency <= 0:
            raise ValueError("frequency must be greater than 0.0")
        self.calls.append(("freq", frequency))
        self.frequency = frequency

    def ChangeDutyCycle(self, dc: float) -> None:
        self.calls.append(("duty", dc))
        self.duty = dc


class FakeGPIO(types.ModuleType):
    """RPi.GPIO with pins you can read back: modes, levels, pulls and every level written."""

    BOARD, BCM = 10, 11
    OUT, IN = 0, 1
    LOW, HIGH = 0, 1
    PUD_OFF, PUD_DOWN, PUD_UP = 20, 21, 22

    def __init__(self) -> None:
        super().__init__("RPi.GPIO")
        self.mode: int | None = None
        self.setmode_calls = 0
        self.modes: dict[int, int] = {}
        self.pulls: dict[int, int] = {}
        self.levels: dict[int, int] = {}  # outputs: driven level; inputs: level on the wire
        self.writes: list[tuple[int, int]] = []  # (pin, level), including setup's initial level
        self.pwms: dict[int, FakePWM] = {}
        self.cleaned: list[int] = []
        self.claimed_elsewhere: set[int] = set()  # lines another process (or kernel PWM) holds

    @staticmethod
    def busy_error(pin: int) -> Exception:
        """What rpi-lgpio raises for a line already claimed (lgpio's 'GPIO busy')."""
        return OSError(16, f"GPIO busy: GPIO{pin} is already claimed")

    def getmode(self) -> int | None:
        return self.mode

    def setmode(self, mode: int) -> None:
        if self.mode is not None and mode != self.mode:
            raise ValueError("A different mode has already been set!")
        self.mode = mode
        self.setmode_calls += 1

    def setup(
        self, pin: int, mode: int, pull_up_down: int = 20, initial: int | None = None
    ) -> None:
        if self.mode is None:
            raise RuntimeError("Please set pin numbering mode using GPIO.setmode")
        if pin in self.claimed_elsewhere:  # the same process may set a line up again
            raise self.busy_error(pin)
        self.modes[pin] = mode
        if mode == self.OUT:
            level = self.LOW if initial is None else initial
            self.levels[pin] = level
            self.writes.append((pin, level))
        else:
            self.pulls[pin] = pull_up_down
            self.levels.setdefault(pin, self.HIGH if pull_up_down == self.PUD_UP else self.LOW)

    def output(self, pin: int, level: int) -> None:
        if self.modes.get(pin) != self.OUT:
            raise RuntimeError("The GPIO channel has not been set up as an OUTPUT")
        self.levels[pin] = int(level)
        self.writes.append((pin, int(level)))

    def input(self, pin: int) -> int:
        if pin not in self.modes:
            raise RuntimeError("You must setup() the GPIO channel first")
        return self.levels[pin]

    def cleanup(self, pin: int | None = None) -> None:
        self.cleaned.append(-1 if pin is None else pin)
        if pin is None:
            self.modes.clear()
        else:
            self.modes.pop(pin, None)

    def PWM(self, pin: int, frequency: float) -> FakePWM:
        pwm = FakePWM(self, pin, frequency)
        self.pwms[pin] = pwm
        return pwm


def install_gpio(monkeypatch: pytest.MonkeyPatch) -> FakeGPIO:
    gpio = FakeGPIO()
    package = types.ModuleType("RPi")
    package.GPIO = gpio
    monkeypatch.setitem(sys.modules, "RPi", package)
    monkeypatch.setitem(sys.modules, "RPi.GPIO", gpio)
    return gpio


class FakePin:
    def __init__(self, number: int) -> None:
        self.id = number


class FakeDigitalInOut:
    def __init__(self, pin: FakePin) -> None:
        self.pin = pin
        self.value: bool | None = None
        self.deinited = False

    def switch_to_output(self, value: bool = False) -> None:
        self.value = value

    def deinit(self) -> None:
        self.deinited = True


class FakeSpiBus:
    """busio.SPI on SPI0. `words[cs_pin]` queues what the chip on that CS answers next."""

    def __init__(self) -> None:
        self.words: dict[int, deque[int | Exception]] = {}
        self.chip_selects: list[FakeDigitalInOut] = []
        self.locked = False
        self.config: dict[str, int] = {}
        self.garbage_rate = 0.0  # share of transfers that return noise, like a loose MISO
        self._noise = random.Random(0)

    def queue(self, cs_pin: int, *answers: int | Exception) -> None:
        self.words.setdefault(cs_pin, deque()).extend(answers)

    def try_lock(self) -> bool:
        if self.locked:
            return False
        self.locked = True
        return True

    def unlock(self) -> None:
        self.locked = False

    def configure(self, baudrate: int = 100_000, polarity: int = 0, phase: int = 0) -> None:
        self.config = {"baudrate": baudrate, "polarity": polarity, "phase": phase}

    def readinto(self, buf: bytearray) -> None:
        selected = [cs for cs in self.chip_selects if cs.value is False]
        if len(selected) != 1 or not self.locked:
            raise RuntimeError(f"bus contention: {len(selected)} chips selected")
        answer = self.words[selected[0].pin.id].popleft()
        if isinstance(answer, Exception):
            raise answer
        if self._noise.random() < self.garbage_rate:
            answer = self._noise.getrandbits(32)
        buf[:] = answer.to_bytes(4, "big")


class FakeSPIDevice:
    """adafruit_bus_device.spi_device.SPIDevice: lock, configure, CS low; CS high on exit."""

    def __init__(
        self,
        spi: FakeSpiBus,
        chip_select: FakeDigitalInOut,
        *,
        baudrate: int = 100_000,
        polarity: int = 0,
        phase: int = 0,
    ) -> None:
        self.spi, self.cs = spi, chip_select
        self.settings = {"baudrate": baudrate, "polarity": polarity, "phase": phase}
        chip_select.switch_to_output(value=True)
        if isinstance(spi, FakeSpiBus):  # the driver's own replay bus is not a wire
            spi.chip_selects.append(chip_select)

    def __enter__(self) -> FakeSpiBus:
        assert self.spi.try_lock()
        self.spi.configure(**self.settings)
        self.cs.value = False
        return self.spi

    def __exit__(self, *exc: object) -> None:
        self.cs.value = True
        self.spi.unlock()


def install_blinka(monkeypatch: pytest.MonkeyPatch) -> FakeSpiBus:
    """board, busio, digitalio and adafruit_bus_device.spi_device; returns the one SPI0 bus."""
    bus = FakeSpiBus()
    board = types.ModuleType("board")
    for n in range(28):
        setattr(board, f"D{n}", FakePin(n))
    board.SCK, board.MOSI, board.MISO = FakePin(11), FakePin(10), FakePin(9)
    busio = types.ModuleType("busio")
    busio.SPI = lambda clock, MOSI=None, MISO=None: bus
    digitalio = types.ModuleType("digitalio")
    digitalio.DigitalInOut = FakeDigitalInOut
    spi_device = types.ModuleType("adafruit_bus_device.spi_device")
    spi_device.SPIDevice = FakeSPIDevice
    package = types.ModuleType("adafruit_bus_device")
    package.spi_device = spi_device
    modules: dict[str, Any] = {
        "board": board,
        "busio": busio,
        "digitalio": digitalio,
        "adafruit_bus_device": package,
        "adafruit_bus_device.spi_device": spi_device,
    }
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    # The library binds SPIDevice at import: import it afresh against these fakes.
    monkeypatch.delitem(sys.modules, "adafruit_max31855", raising=False)
    return bus


def feeder_on_gpio18(data: dict[str, Any]) -> None:
    """Config edit: the feeder's step on GPIO 18 (the default contactor pin, which takes 13)."""
    data["motors"]["feeder"]["step_pin"] = 18
    data["outputs"]["heater_contactor"]["pin"] = 13
