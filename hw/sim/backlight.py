"""A fake /sys/class/backlight in a scratch directory, refusing what the kernel refuses.

Like drivers/video/backlight/backlight.c: `brightness` takes a decimal (kstrtoul) no larger than
`max_brightness`, else EINVAL (negative numbers are not numbers to kstrtoul); `bl_power` takes
0..4 (FB_BLANK_UNBLANK..FB_BLANK_POWERDOWN), else EINVAL; `max_brightness` and
`actual_brightness` have no store method, so opening them for writing is EACCES. Attributes that
do not exist are ENOENT (sysfs never creates files). Without the udev rule the service user may
not write (EACCES); under the unit's read-only /sys every write is EROFS. Either is enforced here
whoever runs the tests, root included.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

WRITABLE = ("brightness", "bl_power")
_DECIMAL = re.compile(r"[0-9]+\n?")  # what we accept of kstrtoul: plain decimal
FB_BLANK_POWERDOWN = 4


class FakeBacklightSysfs:
    """The BacklightFiles seam over `<scratch>/sys/class/backlight`; `writes` logs what it took."""

    def __init__(self, scratch: Path) -> None:
        self.root = scratch / "sys" / "class" / "backlight"
        self.root.mkdir(parents=True, exist_ok=True)
        self._devices = scratch / "sys" / "devices" / "platform"
        self.writes: list[tuple[str, str, int]] = []  # (device, attribute, value)
        self.read_only_mount = False

    def add(self, name: str, max_brightness: int, brightness: int, bl_power: bool = True) -> Path:
        """A backlight device, linked from the class directory as the kernel does."""
        device = self._devices / name / "backlight" / name
        device.mkdir(parents=True)
        files = {"max_brightness": max_brightness, "brightness": brightness}
        files["actual_brightness"] = brightness
        if bl_power:
            files["bl_power"] = 0
        for attribute, value in files.items():
            (device / attribute).write_text(f"{value}\n")
            mode = 0o664 if attribute in WRITABLE else 0o444
            os.chmod(device / attribute, mode)
        (self.root / name).symlink_to(device)
        return self.root / name

    def without_udev_rule(self, name: str) -> None:
        """brightness and bl_power stay root's (0644 root:root): the service user gets EACCES."""
        for attribute in WRITABLE:
            path = self.root / name / attribute
            if path.exists():
                os.chmod(path, 0o444)

    def value(self, name: str, attribute: str) -> int:
        return int((self.root / name / attribute).read_text())

    # -- the seam ---------------------------------------------------------------------------
    def read(self, path: Path) -> str:
        return path.read_text(encoding="ascii")

    def write(self, path: Path, value: str) -> None:
        if not path.exists():
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
        if self.read_only_mount:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        attribute = path.name
        if attribute not in WRITABLE or not path.stat().st_mode & stat.S_IWGRP:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        number = self._number(value, path)
        top = int((path.parent / "max_brightness").read_text())
        limit = top if attribute == "brightness" else FB_BLANK_POWERDOWN
        if number > limit:
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL), str(path))
        path.write_text(f"{number}\n")
        if attribute == "brightness":
            (path.parent / "actual_brightness").chmod(0o644)
            (path.parent / "actual_brightness").write_text(f"{number}\n")
            (path.parent / "actual_brightness").chmod(0o444)
        self.writes.append((path.parent.name, attribute, number))

    @staticmethod
    def _number(value: str, path: Path) -> int:
        if not _DECIMAL.fullmatch(value):
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL), str(path))
        return int(value)
