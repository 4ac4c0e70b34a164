"""Keeping the kiosk up: stop cleanly on SIGTERM/SIGINT, survive a stray widget exception."""

from __future__ import annotations

import signal
import time
import traceback
from collections import deque
from types import FrameType
from typing import Any

from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock

from app.services.logsetup import log

BURST = 20  # this many UI exceptions within BURST_S means something is broken: exit
BURST_S = 10.0


class KeepRunning(ExceptionHandler):  # type: ignore[misc]
    """Log an exception from a UI callback and carry on; a burst of them ends the process
    (systemd restarts it). The control core runs in its own thread and is not affected."""

    def __init__(self) -> None:
        super().__init__()
        self.times: deque[float] = deque(maxlen=BURST)

    def handle_exception(self, inst: BaseException) -> Any:
        if isinstance(inst, KeyboardInterrupt | SystemExit):
            return ExceptionManager.RAISE
        self.times.append(time.monotonic())
        log("ui_exception", "error", error=repr(inst), trace=traceback.format_exc(limit=8))
        if len(self.times) == BURST and self.times[-1] - self.times[0] < BURST_S:
            return ExceptionManager.RAISE
        return ExceptionManager.PASS


def install(app: Any) -> None:
    """SIGTERM/SIGINT close the window (then the caller closes the machine)."""
    ExceptionManager.add_handler(KeepRunning())
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)

        def handler(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
            Clock.schedule_once(lambda _: app.stop())
            if callable(previous):
                previous(signum, frame)

        signal.signal(sig, handler)
