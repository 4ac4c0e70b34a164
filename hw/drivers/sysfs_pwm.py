"""Kernel PWM channels through /sys/class/pwm, written in an order the kernel always accepts.

The kernel applies every attribute write as a whole new state and refuses (EINVAL) any state
whose period is 0 or whose duty cycle exceeds its period. Channels also outlive the process that
configured them. So a channel is always stopped duty-first, a period is only ever written when
the current duty fits it, and a channel found running at start is stopped before anything else.
"""

from __future__ import annotations

import errno
import logging
import os
import time
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

# Written as the period of a channel that has none yet (period 0): the kernel refuses every
# other write to it, even duty_cycle 0 or enable 0, until a period is set.
PARK_PERIOD_NS = 1_000_000
# udev hands a newly exported channel's files to the gpio group a moment after export.
EXPORT_SETTLE_S = 2.0


class SysfsWriter(Protocol):
    """Writes sysfs attributes; fails with the kernel's OSError (EINVAL, EBUSY, EACCES…)."""

    def write(self, path: Path, value: str) -> None: ...

    def await_writable(self, path: Path, timeout_s: float) -> bool: ...


class SysfsFiles:
    """The real writer: one write(2) per attribute, so the kernel's errno reaches the caller."""

    def write(self, path: Path, value: str) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)  # as `echo 0 > duty_cycle` opens it
        try:
            os.write(fd, value.encode("ascii"))
        finally:
            os.close(fd)

    def await_writable(self, path: Path, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while not os.access(path, os.W_OK):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True


def period_ns_for(step_hz: float) -> int:
    """The PWM period, in whole nanoseconds, of a `step_hz` square wave."""
    return round(1e9 / step_hz)


def read_int(path: Path) -> int:
    """An integer sysfs attribute (period, duty_cycle, enable)."""
    return int(path.read_text().strip())


class KernelPwm:
    """One channel of a pwmchip. Tracks what it last wrote; re-reads after any failed write."""

    def __init__(self, chip_dir: Path, channel: int, sysfs: SysfsWriter) -> None:
        self.dir = chip_dir / f"pwm{channel}"
        self._chip_dir, self._channel, self._sysfs = chip_dir, channel, sysfs
        self._period_ns: int | None = None  # None: unknown, read it back before writing
        self._duty_ns = 0
        self._enabled = True  # assume the worst until it has been written

    def claim(self) -> None:
        """Export the channel if no one has, then stop it (it may still be running)."""
        if not self.dir.is_dir():
            try:
                self._sysfs.write(self._chip_dir / "export", str(self._channel))
            except OSError as err:
                if err.errno != errno.EBUSY:  # EBUSY: exported meanwhile, which is fine
                    raise
        enable = self.dir / "enable"
        if not self._sysfs.await_writable(enable, EXPORT_SETTLE_S):
            raise PermissionError(
                errno.EACCES, f"{enable} is not writable: is the service user in group gpio?"
            )
        self.stop()

    def stop(self) -> None:
        """Duty 0, then disable: valid whatever the channel was doing."""
        try:
            if self._period_ns is None:
                self._period_ns = read_int(self.dir / "period")
            if self._period_ns == 0:
                self._write("period", PARK_PERIOD_NS)
                self._period_ns = PARK_PERIOD_NS
            self._write("duty_cycle", 0)
            self._duty_ns = 0
            self._write("enable", 0)
            self._enabled = False
        except OSError:
            self._period_ns = None
            raise

    def run(self, period_ns: int) -> None:
        """A 50 % square wave of `period_ns`; the duty always fits the period on every write."""
        if self._period_ns is None:
            self.stop()
        duty_ns = period_ns // 2
        try:
            if period_ns >= self._duty_ns:  # slower (or first start): period first, then duty
                self._write("period", period_ns)
                self._period_ns = period_ns
                self._write("duty_cycle", duty_ns)
            else:  # faster: shrink the duty into the new period first
                self._write("duty_cycle", duty_ns)
                self._duty_ns = duty_ns
                self._write("period", period_ns)
                self._period_ns = period_ns
            self._duty_ns = duty_ns
            if not self._enabled:
                self._write("enable", 1)
                self._enabled = True
        except OSError:
            self._period_ns = None
            raise

    def _write(self, name: str, value: int) -> None:
        self._sysfs.write(self.dir / name, str(value))


def stop_exported_channels(chip_dir: Path, sysfs: SysfsWriter) -> None:
    """Stop every exported channel of `chip_dir`, whatever a dead process left it doing.

    Tries every channel; raises the first failure afterwards, naming the channels it could not
    stop, because a service that cannot stop a step train must not start."""
    failures: list[str] = []
    for entry in sorted(chip_dir.glob("pwm[0-9]*")) if chip_dir.is_dir() else []:
        channel = entry.name.removeprefix("pwm")
        if not channel.isdigit():
            continue
        try:
            _stop_leftover(KernelPwm(chip_dir, int(channel), sysfs))
        except OSError as err:
            log.error("cannot stop the kernel PWM %s: %s", entry, err)
            failures.append(f"{entry} ({err.strerror or err})")
    if failures:
        raise RuntimeError(f"cannot stop kernel PWM left running: {', '.join(failures)}")


def _stop_leftover(pwm: KernelPwm) -> None:
    """Stop one channel, saying so if it was still stepping."""
    was_enabled = read_int(pwm.dir / "enable") == 1
    period_ns = read_int(pwm.dir / "period")
    pwm.stop()
    if was_enabled:
        hz = 1e9 / period_ns if period_ns else 0.0
        log.warning("%s was left running at %.4g Hz by a previous process: stopped", pwm.dir, hz)
