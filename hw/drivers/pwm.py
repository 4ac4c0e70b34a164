"""Step trains for stepper drivers: kernel hardware PWM where a pin has it, else software PWM."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from hw.drivers.gpio import gpio_module
from hw.drivers.sysfs_pwm import (
    KernelPwm,
    SysfsFiles,
    SysfsWriter,
    period_ns_for,
    stop_exported_channels,
)

log = logging.getLogger(__name__)

DM556_MAX_STEP_HZ = 200_000.0  # DM556 datasheet: pulse input up to 200 kHz
SOFT_PWM_MAX_HZ = 1_000.0  # software PWM is thread-timed; above ~1 kHz jitter eats the period
MIN_STEP_HZ = 0.1  # a 10 s period; anything slower is treated as stopped
STEP_DUTY_PCT = 50.0

# BCM pin → PWM channel of the header's PWM block (sysfs pwmchipN/pwmC).
# Pi 4: one 2-channel block, so GPIO 12/18 share channel 0 and 13/19 share channel 1.
# Pi 5: the RP1 PWM0 block has four channels, one per pin.
PWM_CHANNELS: dict[str, dict[int, int]] = {
    "pi4": {12: 0, 18: 0, 13: 1, 19: 1},
    "pi5": {12: 0, 13: 1, 18: 2, 19: 3},
}
# The sysfs device name of that block. The pwmchip *number* is not stable (Pi 5: pwmchip2 on
# kernel 6.6, pwmchip0 on 6.12), so the chip is found by its device, never assumed.
PWM_BLOCKS: dict[str, str] = {"pi4": "20c000.pwm", "pi5": "1f00098000.pwm"}
# /proc/device-tree/model prefixes → board family.
BOARD_MODELS = (
    ("Raspberry Pi 5", "pi5"),
    ("Raspberry Pi Compute Module 5", "pi5"),
    ("Raspberry Pi 4", "pi4"),
    ("Raspberry Pi Compute Module 4", "pi4"),
)
OVERLAY_HINT = "dtoverlay=pwm-2chan,pin=12,func=4,pin2=13,func2=4 in /boot/firmware/config.txt"


class PwmUnavailable(RuntimeError):
    """A pin that has hardware PWM cannot get it (overlay missing): fix the OS, not the config."""


def board_from_model(model: str) -> str:
    """'pi4' or 'pi5' from the device-tree model string; ValueError for anything else."""
    for prefix, board in BOARD_MODELS:
        if model.startswith(prefix):
            return board
    raise ValueError(f"unsupported board {model!r}: the drivers support Raspberry Pi 4 and 5")


def pwm_channel_for(pin: int, board: str) -> int | None:
    """The hardware PWM channel driving BCM `pin`, or None if the pin has none."""
    return PWM_CHANNELS[board].get(pin)


def pwm_chip_for(board: str, chips: Mapping[int, str]) -> int | None:
    """The pwmchip number of the header PWM block, given {chip number: sysfs device name}."""
    for number, device in sorted(chips.items()):
        if device.endswith(PWM_BLOCKS[board]):
            return number
    return None


def pwm_route(pin: int, board: str, chips: Mapping[int, str]) -> tuple[int, int] | None:
    """(pwmchip number, channel) driving `pin`, or None if `pin` has no hardware PWM."""
    channel = pwm_channel_for(pin, board)
    if channel is None:
        return None
    chip = pwm_chip_for(board, chips)
    if chip is None:
        raise PwmUnavailable(
            f"GPIO {pin} has hardware PWM (channel {channel}) but its PWM block "
            f"({PWM_BLOCKS[board]}) is not in /sys/class/pwm: add {OVERLAY_HINT} and reboot"
        )
    return chip, channel


def check_step_pins(step_pins: Mapping[str, int], board: str) -> None:
    """Refuse two step pins on one hardware channel: they would share a frequency."""
    seen: dict[int, tuple[str, int]] = {}
    for key, pin in step_pins.items():
        channel = pwm_channel_for(pin, board)
        if channel is None:
            continue
        if channel in seen:
            other_key, other_pin = seen[channel]
            raise ValueError(
                f"{key}: GPIO {pin} shares hardware PWM channel {channel} with {other_key} "
                f"(GPIO {other_pin}) on a {board}; use GPIO 12 and 13 (or 18 and 19)"
            )
        seen[channel] = (key, pin)


def checked_step_hz(step_hz: float, max_step_hz: float) -> float:
    """Validate a requested step rate; rates too slow to generate become 0 (stopped)."""
    if isinstance(step_hz, bool) or not isinstance(step_hz, int | float):
        raise TypeError(f"step_hz must be a number, not {step_hz!r}")
    if not math.isfinite(step_hz) or step_hz < 0:
        raise ValueError(f"step_hz must be a finite number >= 0, not {step_hz!r}")
    if step_hz > max_step_hz:
        raise ValueError(f"step_hz {step_hz:g} is above this output's limit of {max_step_hz:g}")
    return 0.0 if step_hz < MIN_STEP_HZ else float(step_hz)


@dataclass(frozen=True)
class PwmPlan:
    """What the board offers: its family, {pwmchip number: device name}, and how to reach them."""

    board: str
    chips: dict[int, str] = field(default_factory=dict)
    root: Path = Path("/sys/class/pwm")
    sysfs: SysfsWriter = field(default_factory=SysfsFiles, compare=False)


@dataclass(frozen=True)
class BoardProbe:
    """Where to look for the board model, the PWM chips, the device tree and the pin functions
    (tests point these at tmp files and canned `pinctrl get` output)."""

    model_path: Path = Path("/proc/device-tree/model")
    pwm_root: Path = Path("/sys/class/pwm")
    sysfs: SysfsWriter = field(default_factory=SysfsFiles, compare=False)
    device_tree: Path = Path("/proc/device-tree")
    pinctrl: Callable[[], str] | None = field(default=None, compare=False)  # None: run pinctrl

    def detect(self) -> PwmPlan:
        try:
            raw = self.model_path.read_bytes()
        except OSError as err:
            raise RuntimeError(
                f"cannot read {self.model_path} ({err.strerror}): not a Raspberry Pi? "
                "Use the sim backend elsewhere"
            ) from None
        model = raw.decode("ascii", "replace").rstrip("\x00\n ")
        board = board_from_model(model)
        return PwmPlan(board, read_pwm_chips(self.pwm_root), self.pwm_root, self.sysfs)


def read_pwm_chips(root: Path) -> dict[int, str]:
    """{N: device name} for every /sys/class/pwm/pwmchipN (empty if there is no PWM at all)."""
    chips: dict[int, str] = {}
    for entry in sorted(root.glob("pwmchip*")) if root.is_dir() else []:
        number = entry.name.removeprefix("pwmchip")
        if number.isdigit():
            chips[int(number)] = (entry / "device").resolve().name
    return chips


class StepTrain(Protocol):
    """A square wave on the step pin whose frequency is the step rate (0 = stopped)."""

    kind: str
    max_step_hz: float

    def set_hz(self, step_hz: float) -> None: ...

    def close(self) -> None: ...


def stop_header_pwm(plan: PwmPlan) -> None:
    """Stop every exported channel of the header PWM block: the kernel keeps a dead process's
    step train running. Nothing to do if the block is absent (the overlay check reports that)."""
    chip = pwm_chip_for(plan.board, plan.chips)
    if chip is not None:
        stop_exported_channels(plan.root / f"pwmchip{chip}", plan.sysfs)


class HardwareStepTrain:
    """Kernel PWM through sysfs: the pin toggles with no CPU involvement."""

    kind = "hardware"
    max_step_hz = DM556_MAX_STEP_HZ

    def __init__(self, chip: int, channel: int, plan: PwmPlan) -> None:
        # Claimed stopped; the pin must not be claimed by GPIO.setup() or it leaves PWM mode.
        self._pwm = KernelPwm(plan.root / f"pwmchip{chip}", channel, plan.sysfs)
        self._pwm.claim()
        self.chip, self.channel = chip, channel
        self.step_hz = 0.0

    def set_hz(self, step_hz: float) -> None:
        """Stopping always reaches the kernel; an unchanged rate is not rewritten."""
        if step_hz != 0.0 and step_hz == self.step_hz:
            return
        self.step_hz = math.nan  # unknown until the kernel has taken the new state
        if step_hz == 0.0:
            self._pwm.stop()
        else:
            self._pwm.run(period_ns_for(step_hz))
        self.step_hz = step_hz

    def close(self) -> None:
        self.set_hz(0.0)


class SoftwareStepTrain:
    """RPi.GPIO software PWM (a C thread, not Python), for pins without hardware PWM."""

    kind = "software"
    max_step_hz = SOFT_PWM_MAX_HZ

    def __init__(self, pin: int) -> None:
        self._gpio = gpio_module()
        self._gpio.setup(pin, self._gpio.OUT, initial=self._gpio.LOW)
        self._pwm = self._gpio.PWM(pin, 1_000.0)
        self.pin = pin
        self.step_hz = 0.0

    def set_hz(self, step_hz: float) -> None:
        if step_hz == self.step_hz:
            return
        if step_hz == 0.0:
            self._pwm.stop()
        else:
            self._pwm.ChangeFrequency(step_hz)
            if self.step_hz == 0.0:
                self._pwm.start(STEP_DUTY_PCT)
        self.step_hz = step_hz

    def close(self) -> None:
        self.set_hz(0.0)


def open_step_train(pin: int, plan: PwmPlan) -> StepTrain:
    """Hardware PWM if the pin has it, else software PWM with a warning."""
    route = pwm_route(pin, plan.board, plan.chips)
    if route is not None:
        return HardwareStepTrain(*route, plan)
    log.warning(
        "GPIO %d has no hardware PWM on a %s: using software PWM (<= %g steps/s, jittery); "
        "use GPIO 12/13/18/19 for step pins",
        pin,
        plan.board,
        SOFT_PWM_MAX_HZ,
    )
    return SoftwareStepTrain(pin)


def max_step_hz_for(pin: int, board: str) -> float:
    """The fastest step rate `pin` can produce on this board."""
    return DM556_MAX_STEP_HZ if pwm_channel_for(pin, board) is not None else SOFT_PWM_MAX_HZ
