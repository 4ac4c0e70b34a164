"""Output writes that fail: each becomes a trip naming the output, until a write succeeds."""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable

from control.alarms import TRIP
from control.safety import CAT0, CONTROLLED, Condition

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
