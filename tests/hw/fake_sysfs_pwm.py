"""A fake /sys/class/pwm: a directory tree whose writes go through the kernel's rules.

Like drivers/pwm/sysfs.c + core.c: each attribute write builds the channel's whole new state and
the kernel applies it, refusing (EINVAL) a state with period 0 or duty_cycle > period, whatever
attribute was written; export of an exported channel is EBUSY, of a missing one ENODEV. Channels
keep running after the process that set them is gone. No tests live here.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass
from pathlib import Path

from hw.drivers.pwm import PwmPlan

U64_MAX = 2**64 - 1
BLOCKS = {"pi4": ("fe20c000.pwm", 2), "pi5": ("1f00098000.pwm", 4)}
_NUMBER = re.compile(r"[0-9]+\n?")  # what we accept of kstrtou64: plain decimal


@dataclass
class ChannelState:
    period: int = 0
    duty_cycle: int = 0
    enable: int = 0
    polarity: str = "normal"


class FakePwmSysfs:
    """The SysfsWriter seam over a tmp tree; `writes` logs every accepted write in order."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.npwm: dict[int, int] = {}
        self.writes: list[tuple[str, str]] = []
        self.refused: list[tuple[str, str, int]] = []
        self._fail: dict[str, int] = {}  # attribute name -> errno of its next write
        self.udev_never_settles = False

    def fail_next(self, attribute: str, err: int = errno.EIO) -> None:
        """The next write of `attribute` (e.g. "period") fails with `err` and changes nothing."""
        self._fail[attribute] = err

    def add_chip(self, number: int, device: str, npwm: int) -> Path:
        """pwmchipN with its export/unexport/npwm files and a `device` link named like the DT."""
        chip = self.root / f"pwmchip{number}"
        chip.mkdir()
        target = self.root.parent / "devices" / device
        target.mkdir(parents=True, exist_ok=True)
        (chip / "device").symlink_to(target)
        for name, text in (("export", ""), ("unexport", ""), ("npwm", f"{npwm}\n")):
            (chip / name).write_text(text)
        self.npwm[number] = npwm
        return chip

    # -- the seam ---------------------------------------------------------------------------
    def write(self, path: Path, value: str) -> None:
        rel = path.relative_to(self.root)
        try:
            if rel.name in self._fail:
                raise OSError(self._fail.pop(rel.name), "injected failure")
            self._apply(rel.parts, value)
        except OSError as err:
            self.refused.append((str(rel), value, err.errno or 0))
            raise
        self.writes.append((str(rel), value.strip()))

    def await_writable(self, path: Path, timeout_s: float) -> bool:
        """udev's chgrp after export; `udev_never_settles` models a missing gpio-group rule."""
        return path.exists() and not self.udev_never_settles

    # -- a dead process's leftovers, and what the pin is doing --------------------------------
    def leave_running(self, chip: int, channel: int, period_ns: int, duty_ns: int) -> None:
        """What a killed process leaves: exported, configured and enabled (via valid writes)."""
        base = self.root / f"pwmchip{chip}"
        self.write(base / "export", str(channel))
        for name, value in (("period", period_ns), ("duty_cycle", duty_ns), ("enable", 1)):
            self.write(base / f"pwm{channel}" / name, str(value))
        self.writes.clear()

    def state(self, chip: int, channel: int) -> ChannelState:
        d = self.root / f"pwmchip{chip}" / f"pwm{channel}"
        if not d.is_dir():
            raise FileNotFoundError(errno.ENOENT, "not exported", str(d))
        return ChannelState(
            int((d / "period").read_text()),
            int((d / "duty_cycle").read_text()),
            int((d / "enable").read_text()),
            (d / "polarity").read_text().strip(),
        )

    def stepping(self, chip: int, channel: int) -> bool:
        """True while the pin toggles: enabled with a duty between 0 and the period."""
        s = self.state(chip, channel)
        return s.enable == 1 and 0 < s.duty_cycle < s.period

    # -- the kernel ---------------------------------------------------------------------------
    def _apply(self, parts: tuple[str, ...], value: str) -> None:
        if len(parts) == 2 and parts[0].startswith("pwmchip") and parts[1] == "export":
            self._export(int(parts[0].removeprefix("pwmchip")), _u64(value))
            return
        if len(parts) != 3 or not re.fullmatch(r"pwm[0-9]+", parts[1]):
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", "/".join(parts))
        if not (self.root / parts[0] / parts[1]).is_dir():
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", "/".join(parts))
        chip, channel = int(parts[0].removeprefix("pwmchip")), int(parts[1].removeprefix("pwm"))
        new = self.state(chip, channel)
        if parts[2] in ("period", "duty_cycle"):
            setattr(new, parts[2], _u64(value))
        elif parts[2] == "enable":
            if value.strip() not in ("0", "1"):
                raise OSError(errno.EINVAL, "Invalid argument")
            new.enable = int(value)
        elif parts[2] == "polarity":
            if value.strip() not in ("normal", "inversed"):
                raise OSError(errno.EINVAL, "Invalid argument")
            new.polarity = value.strip()
        else:
            raise PermissionError(errno.EACCES, "Permission denied", "/".join(parts))
        if new.period == 0 or new.duty_cycle > new.period:  # core.c __pwm_apply()
            raise OSError(errno.EINVAL, "Invalid argument")
        self._store(chip, channel, new)

    def _export(self, chip: int, channel: int) -> None:
        if channel >= self.npwm[chip]:
            raise OSError(errno.ENODEV, "No such device")
        d = self.root / f"pwmchip{chip}" / f"pwm{channel}"
        if d.is_dir():
            raise OSError(errno.EBUSY, "Device or resource busy")
        d.mkdir()
        self._store(chip, channel, ChannelState())

    def _store(self, chip: int, channel: int, s: ChannelState) -> None:
        d = self.root / f"pwmchip{chip}" / f"pwm{channel}"
        for name, text in (
            ("period", s.period),
            ("duty_cycle", s.duty_cycle),
            ("enable", s.enable),
            ("polarity", s.polarity),
        ):
            (d / name).write_text(f"{text}\n")


def _u64(value: str) -> int:
    if not _NUMBER.fullmatch(value):
        raise OSError(errno.EINVAL, "Invalid argument")
    number = int(value)
    if number > U64_MAX:
        raise OSError(errno.ERANGE, "Numerical result out of range")
    return number


def fake_pwm(tmp_path: Path, board: str, chips: dict[int, str]) -> FakePwmSysfs:
    """A /sys/class/pwm holding `chips` ({number: device}); the header block has its real npwm."""
    fake = FakePwmSysfs(tmp_path / "sys" / "class" / "pwm")
    device, npwm = BLOCKS[board]
    for number, name in chips.items():
        fake.add_chip(number, name, npwm if name.endswith(device) else 2)
    return fake


def fake_plan(tmp_path: Path, board: str, chips: dict[int, str]) -> tuple[PwmPlan, FakePwmSysfs]:
    """A PwmPlan whose sysfs is the fake (what BoardProbe.detect would return on that board)."""
    fake = fake_pwm(tmp_path, board, chips)
    return PwmPlan(board, dict(chips), fake.root, fake), fake
