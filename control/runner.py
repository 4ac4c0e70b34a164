"""Runners drive the core's tick: real-time (thread + watchdog) or virtual (as fast as the CPU)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from control.core import ControlCore
from control.realtime import raise_priority
from hw.io import quietly


class PacedClock(Protocol):
    speed: float

    def now(self) -> float: ...

    def sleep_until(self, machine_t: float) -> None: ...


class TickStats:
    """Tick duration and lateness in wall seconds, for /metrics and the jitter benchmark."""

    def __init__(self, keep: int = 20_000) -> None:
        self.durations_s: deque[float] = deque(maxlen=keep)
        self.lateness_s: deque[float] = deque(maxlen=keep)
        self.overruns = 0
        self.listeners: list[Callable[[float, float], None]] = []

    def record(self, duration_s: float, late_s: float, overrun: bool) -> None:
        self.durations_s.append(duration_s)
        self.lateness_s.append(late_s)
        self.overruns += overrun
        for listener in self.listeners:
            listener(duration_s, late_s)


class RealTimeRunner:
    """Ticks the core on wall-clock deadlines in its own thread; a watchdog guards stalls."""

    def __init__(
        self, core: ControlCore, clock: PacedClock, on_tick: Callable[[], None] | None = None
    ) -> None:
        self.core = core
        self.clock = clock
        self.on_tick = on_tick
        self.stats = TickStats()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="control", daemon=True)
        self._watchdog = threading.Thread(target=self._guard, name="watchdog", daemon=True)
        self._last_wall = time.monotonic()
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()
        self._watchdog.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)
        self.core.shutdown()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        raise_priority(self.core.cfg.machine.rt_priority)  # ticks on time under REST and UI load
        deadline = self.clock.now()
        try:
            while not self._stop.is_set():
                deadline = self.run_tick(deadline)
        except BaseException as err:  # the loop died: make the machine safe and say why
            self.error = err
            self.core.io.all_outputs_off()
            raise

    def run_tick(self, deadline: float) -> float:
        """Sleep until `deadline` (machine s), tick once, record its timing; the next deadline.

        Lateness is the wall time from the deadline to the tick's start; an overrun is a tick
        that ends after the next deadline."""
        tick_s = self.core.cfg.machine.tick_s
        self.clock.sleep_until(deadline)
        start = time.perf_counter()
        late = max(0.0, (self.clock.now() - deadline) / self.clock.speed)
        self.core.tick()
        self._last_wall = time.monotonic()
        if self.on_tick is not None:
            self.on_tick()
        duration = time.perf_counter() - start
        overrun = duration + late > tick_s / self.clock.speed
        if overrun:
            self.core.count_overrun()
        self.stats.record(duration, late, overrun)
        deadline += tick_s
        if self.clock.now() - deadline > 10 * tick_s:  # far behind: skip, don't burst
            deadline = self.clock.now()
        return deadline

    def _guard(self) -> None:
        """Independent thread: judges the loop by wall time, never by the loop's own word."""
        watchdog = Watchdog(self.core)
        while not self._stop.wait(self.core.cfg.machine.tick_s / self.clock.speed):
            watchdog.check(time.monotonic(), self._last_wall)


class Watchdog:
    """Stall reactions: heaters off after `max_on_s`, everything off and a trip after `watchdog_s`.

    Both limits are wall seconds, also under --speed N: a stall is the process hanging, and a
    100 ms pause (Kivy building its window) must not read as a 2 s stall at 20x."""

    def __init__(self, core: ControlCore) -> None:
        self.core = core
        self.tripped = False

    def check(self, now_wall_s: float, last_tick_wall_s: float) -> str | None:
        """Act on a stall; returns what it did ("heaters_off", "all_off") or None."""
        safety = self.core.cfg.safety
        stalled_s = now_wall_s - last_tick_wall_s
        if stalled_s <= safety.max_on_s:
            self.tripped = False
            return None
        for heater in self.core.io.heaters.values():
            quietly(heater.set, False)
        if stalled_s > safety.watchdog_s and not self.tripped:
            self.core.io.all_outputs_off()
            self.core.flag_stall()
            self.tripped = True
            return "all_off"
        return "heaters_off"


class VirtualRunner:
    """Steps a core on a VirtualClock: no sleeping, as fast as the CPU allows."""

    def __init__(self, core: ControlCore, clock: Any) -> None:
        self.core = core
        self.clock = clock
        self.tick_s = core.cfg.machine.tick_s

    def step(self, ticks: int = 1) -> None:
        for _ in range(ticks):
            self.clock.advance(self.tick_s)
            self.core.tick()

    def run_for(self, seconds: float) -> None:
        self.step(max(1, round(seconds / self.tick_s)))

    def run_until(self, done: Callable[[], bool], timeout_s: float) -> bool:
        """Tick until `done()` holds (True) or `timeout_s` of machine time passes (False)."""
        end = self.clock.now() + timeout_s
        while self.clock.now() < end:
            self.step()
            if done():
                return True
        return False

    def call(self, cmd: Any) -> Any:
        """Submit a command, tick once, and return its result (or raise its HmiError)."""
        fut = self.core.submit(cmd)
        self.step()
        return fut.result(timeout=0)
