"""Dimming the panel backlight while the kiosk is blanked, and putting it back on wake and exit."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from app.services.logsetup import log

if TYPE_CHECKING:
    from hw.drivers.backlight import Backlight

# In the data directory while the backlight is dimmed: the level to put back after a kill.
# Not part of a backup (app/ops/backup.py): it belongs to this panel, now.
BACKLIGHT_MEMO = "backlight-before-dim"


class IdleDimmer:
    """Dims the backlight to `percent` of its maximum while the screen is blanked and puts back
    what it found on wake. 0 % (or no usable backlight) dims nothing: the overlay alone blanks.
    The first problem (none found, not writable, refused) is logged once and ends dimming."""

    def __init__(
        self,
        backlight: Backlight | None,
        percent: int,
        where: Path | None = None,
        memo: Path | None = None,
    ) -> None:
        self.backlight = backlight
        self.percent = percent
        self.usable = percent > 0
        self._where = where or Path("/sys/class/backlight")
        self._memo = memo  # the brightness before dimming, for a process killed while dim
        self._saved: tuple[int, int | None] | None = None  # brightness, bl_power before dimming

    def recover(self) -> None:
        """Put back a brightness that a killed process (SIGKILL, watchdog) left dimmed."""
        memo = self._memo
        if memo is None or self.backlight is None or not memo.exists():
            return
        path = str(self.backlight.path / "brightness")
        try:
            brightness = int(memo.read_text())
            self.backlight.set_brightness(brightness)
        except (OSError, ValueError) as err:
            log("backlight_not_restored", "warning", path=path, error=_why(err))
        else:
            log("backlight_restored", path=path, brightness=brightness, cause="left dimmed")
        self._forget()

    def dim(self) -> bool:
        """Dim now (once); True while the backlight is dimmed."""
        if self._saved is not None or not self.usable:
            return self._saved is not None
        light = self.backlight
        if light is None:
            self._give_up(self._where, "no backlight device")
            return False
        try:
            saved = (light.brightness(), light.power())
            level = min(saved[0], round(light.max_brightness() * self.percent / 100))
            self._remember(saved[0])
            light.set_brightness(level)
        except (OSError, ValueError) as err:
            self._forget()
            self._give_up(light.path / "brightness", _why(err))
            return False
        self._saved = saved
        return True

    def wake(self) -> None:
        """Put back the brightness (and bl_power) found before dimming; nothing if not dimmed."""
        saved, self._saved = self._saved, None
        if saved is None or self.backlight is None:
            return
        brightness, power = saved
        try:
            self.backlight.set_brightness(brightness)
            if power is not None and self.backlight.power() != power:
                self.backlight.set_power(power)
        except (OSError, ValueError) as err:
            path = str(self.backlight.path / "brightness")
            log("backlight_not_restored", "warning", path=path, error=_why(err))
        self._forget()

    def _remember(self, brightness: int) -> None:
        if self._memo is not None:  # if it cannot be written, only a kill while dim stays dim
            with contextlib.suppress(OSError):
                self._memo.write_text(f"{brightness}\n")

    def _forget(self) -> None:
        if self._memo is not None:
            with contextlib.suppress(OSError):
                self._memo.unlink(missing_ok=True)

    def _give_up(self, path: Path, why: str) -> None:
        self.usable = False
        log(
            "backlight_not_dimmed",
            "warning",
            path=str(path),
            error=why,
            effect="idle blanks the screen with the black overlay only",
        )


def _why(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__
