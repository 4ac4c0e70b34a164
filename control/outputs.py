"""Writing the outputs each tick; a write that fails becomes a trip naming that output."""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable, Iterable
from typing import Any

from control.alarms import TRIP
from control.motor import Motor
from control.safety import CAT0, CONTROLLED, Condition
from control.zone import Zone

log = logging.getLogger(__name__)

HEATER = "heater_write_failed"  # source: zone id
MOTOR = "motor_write_failed"  # source: motor id
CONTACTOR = "contactor_write_failed"  # source: machine
AUX = "aux_write_failed"  # source: output id
HEARTBEAT = "heartbeat_write_failed"  # source: machine
CUTS_CONTACTOR = frozenset({HEATER})  # a heater that cannot be commanded loses its power feed
_REACTION = {HEATER: CAT0, CONTACTOR: CAT0, HEARTBEAT: CAT0, MOTOR: CONTROLLED, AUX: CONTROLLED}


def describe(err: BaseException) -> str:
    """`OSError [Errno 5] Input/output error (EIO)`: the type, the text and the errno name."""
    text = f"{type(err).__name__} {err}".strip()
    code = getattr(err, "errno", None)
    if isinstance(code, int) and code in errno.errorcode:
        text += f" ({errno.errorcode[code]})"
    return text


class OutputFaults:
    """The outputs whose last write raised. Owned by the control thread.

    A failed write is never swallowed: it becomes a present trip condition (alarm code naming
    the output kind, source the zone, motor or output), and stays present until a later write
    to the same output succeeds, so reset is refused while the output still cannot be driven."""

    def __init__(self) -> None:
        self.present: dict[tuple[str, str], Condition] = {}

    def failed(self, code: str, source: str, label: str, err: BaseException) -> Condition:
        message = f"{label} write failed: {describe(err)}"
        cond = Condition(code, source, TRIP, _REACTION[code], message)
        if (code, source) not in self.present:
            log.error("%s", cond.message, exc_info=err)
        self.present[(code, source)] = cond
        return cond

    def ok(self, code: str, source: str) -> None:
        if self.present and self.present.pop((code, source), None) is not None:
            log.info("%s %s: output writes work again", code, source)

    def guard(
        self, code: str, source: str, label: str, write: Callable[[bool], object], on: bool
    ) -> Condition | None:
        """Write one plain output; returns the trip condition if the write raised."""
        try:
            write(on)
        except Exception as err:
            return self.failed(code, source, label, err)
        self.ok(code, source)
        return None


class OutputWriter:
    """DESIGN §4 step 6 for the core: drives every output, returns the trips of failed writes.
    Plain outputs are written on a level change and on every `refresh`."""

    def __init__(self) -> None:
        self.faults = OutputFaults()
        self._levels: dict[str, bool | None] = {}

    def forget(self) -> None:
        """Someone else drove the pins (watchdog, trip): rewrite every plain output next time."""
        self._levels.clear()

    def plain(
        self, code: str, source: str, key: str, output: Any, on: bool, refresh: bool
    ) -> Condition | None:
        if refresh or self._levels.get(key) is not on:
            failed = self.faults.guard(code, source, key, output.set, on)
            self._levels[key] = on if failed is None else None
            return failed
        return None

    def zones(self, zones: Iterable[Zone], now_s: float, heat_ok: bool) -> list[Condition]:
        failed = []
        for zone in zones:
            try:
                zone.write(now_s, heat_ok and zone.regulating and zone.sensor_ok)
            except Exception as err:
                failed.append(self.faults.failed(HEATER, zone.id, f"{zone.cfg.name} heater", err))
            else:
                self.faults.ok(HEATER, zone.id)
        return failed

    def motors(self, motors: Iterable[Motor], hmi_enabled: bool, refresh: bool) -> list[Condition]:
        failed = []
        for motor in motors:
            try:
                motor.write(hmi_enabled and not motor.alarm, refresh)
            except Exception as err:
                label = f"{motor.cfg.name} driver"
                failed.append(self.faults.failed(MOTOR, motor.id, label, err))
            else:
                self.faults.ok(MOTOR, motor.id)
        return failed


def attempt(action: Callable[..., object], *args: object) -> None:
    """A safe-state write on the trip path: it must not stop the rest from going off. A failure
    is not lost: the tick's own write to that output fails too and trips naming it."""
    try:
        action(*args)
    except Exception as err:
        log.warning("safe-state write %s failed: %s", describe(err), action)
