"""The shared lock and lazy-sync hook every simulated device goes through before it acts."""

from __future__ import annotations

import threading
from collections.abc import Callable

from hw.protocols import Clock


def _no_sync(now_s: float) -> None:
    del now_s


class SimBus:
    """One per simulated machine: its clock, its lock, and the hook that advances the plant.

    Every device method runs inside `touch()`, which takes the lock (the control thread and the
    REST thread may both poke the simulator) and integrates the plant up to `clock.now()` *before*
    the device changes state, so a change takes effect at the moment it was made.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self._sync: Callable[[float], None] = _no_sync

    def bind(self, sync: Callable[[float], None]) -> None:
        """Install the machine's integrator (called with the current machine time)."""
        self._sync = sync

    def touch(self) -> SimBus:
        """Use as `with bus.touch() as now_s:` — lock, bring the plant up to now, yield now."""
        return self

    def touch_open(self, closed: bool, what: str) -> SimBus:
        """`touch()`, refusing a handle that was closed (a real GPIO/SPI handle fails too)."""
        if closed:
            raise ClosedError(f"{what} is closed")
        return self

    def __enter__(self) -> float:
        self.lock.acquire()
        try:
            now_s = self.clock.now()
            self._sync(now_s)
        except BaseException:
            self.lock.release()
            raise
        return now_s

    def __exit__(self, *exc_info: object) -> None:
        self.lock.release()


class ClosedError(RuntimeError):
    """A simulated handle was used after `close()` (a real GPIO/SPI handle would fail too)."""
