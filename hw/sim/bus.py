"""The shared lock and lazy-sync hook every simulated device goes through before it acts."""

from __future__ import annotations

import threading
from collections.abc import Callable

from hw.protocols import Clock


def _no_sync(now_s: float) -> None:
    del now_s


# A watcher of the simulated output pins: (signal, logical value, machine time s). Signals are
# config keys ("zones.barrel.heater", "motors.screw.step_hz", ...); step_hz carries the rate.
PinWatcher = Callable[[str, float, float], None]


class SimBus:
    """One per simulated machine: its clock, its lock, and the hook that advances the plant.

    Every device method takes `lock` (the control thread and the REST thread may both poke the
    simulator) and, holding it, calls `now()`, which integrates the plant up to `clock.now()`
    *before* the device changes state, so a change takes effect at the moment it was made:

        with bus.lock:
            now_s = bus.now()
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self._sync: Callable[[float], None] = _no_sync
        self._synced_s: float | None = None  # the time the plant was last brought up to
        self._watchers: list[PinWatcher] = []

    def watch(self, watcher: PinWatcher) -> None:
        """Be told of every change software makes to an output pin (a loop-back rig's view)."""
        self._watchers.append(watcher)

    def emit(self, signal: str, value: float, now_s: float) -> None:
        """Called by a device, under `lock`, after it changed an output."""
        for watcher in self._watchers:
            watcher(signal, value, now_s)

    def bind(self, sync: Callable[[float], None]) -> None:
        """Install the machine's integrator (called with the current machine time).

        The integrator must be idempotent for a repeated time: a second call with the same
        `now_s` changes nothing, so the bus skips it (most device calls in a tick share one)."""
        self._sync = sync
        self._synced_s = None

    def now(self, closed: bool = False, what: str = "") -> float:
        """Machine time now, with the plant brought up to it. Call only while holding `lock`.

        A handle that was closed (`closed`, named `what`) is refused, as a real GPIO/SPI handle
        would be."""
        if closed:
            raise ClosedError(f"{what} is closed")
        now_s = self.clock.now()
        if now_s != self._synced_s:
            self._sync(now_s)
            self._synced_s = now_s
        return now_s


class ClosedError(RuntimeError):
    """A simulated handle was used after `close()` (a real GPIO/SPI handle would fail too)."""
