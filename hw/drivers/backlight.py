"""The panel backlight through /sys/class/backlight/<name>/ (app/services/backlight.py dims it).

The kernel takes `brightness` as a decimal 0..max_brightness and refuses anything else (EINVAL);
`max_brightness` is read-only; `bl_power` is 0 (on) to 4 (off). Writing needs the udev rule in
packaging/udev (group video, g+w) and a write path through the unit's read-only /sys. Where any of
that is missing, the kiosk keeps its black overlay and says so once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

SYSFS_BACKLIGHT = Path("/sys/class/backlight")


class BacklightFiles(Protocol):
    """Reads and writes sysfs attributes; fails with the kernel's OSError (EINVAL, EACCES…)."""

    def read(self, path: Path) -> str: ...

    def write(self, path: Path, value: str) -> None: ...


class SysfsBacklightFiles:
    """The real files: one write(2) per attribute, so the kernel's errno reaches the caller."""

    def read(self, path: Path) -> str:
        return path.read_text(encoding="ascii")

    def write(self, path: Path, value: str) -> None:
        fd = os.open(path, os.O_WRONLY)  # never O_CREAT: sysfs has the files or it has not
        try:
            os.write(fd, value.encode("ascii"))
        finally:
            os.close(fd)


class Backlight(Protocol):
    """A panel backlight: `brightness` in 0..max_brightness, `power` as bl_power (None: none)."""

    @property
    def path(self) -> Path: ...

    def max_brightness(self) -> int: ...

    def brightness(self) -> int: ...

    def set_brightness(self, value: int) -> None: ...

    def power(self) -> int | None: ...

    def set_power(self, value: int) -> None: ...


class SysfsBacklight:
    """One /sys/class/backlight/<name> directory."""

    def __init__(self, directory: Path, files: BacklightFiles | None = None) -> None:
        self._dir = directory
        self._files = files or SysfsBacklightFiles()

    @property
    def path(self) -> Path:
        return self._dir

    def _int(self, name: str) -> int:
        return int(self._files.read(self._dir / name).strip())

    def max_brightness(self) -> int:
        return self._int("max_brightness")

    def brightness(self) -> int:
        return self._int("brightness")

    def set_brightness(self, value: int) -> None:
        self._files.write(self._dir / "brightness", f"{value}\n")

    def power(self) -> int | None:
        return self._int("bl_power") if (self._dir / "bl_power").exists() else None

    def set_power(self, value: int) -> None:
        self._files.write(self._dir / "bl_power", f"{value}\n")


def find_backlight(
    root: Path = SYSFS_BACKLIGHT, files: BacklightFiles | None = None
) -> SysfsBacklight | None:
    """The first backlight (by name) that has brightness and max_brightness, else None."""
    try:
        names = sorted(entry.name for entry in root.iterdir())
    except OSError:
        return None
    for name in names:
        directory = root / name
        if (directory / "brightness").exists() and (directory / "max_brightness").exists():
            return SysfsBacklight(directory, files)
    return None
