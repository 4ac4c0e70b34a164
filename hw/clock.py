"""Clocks: the real monotonic clock, a scaled one for --speed N, and a virtual one for tests."""

from __future__ import annotations

import threading
import time


class RealClock:
    """Wall-paced monotonic time, optionally running `speed` times faster than the wall."""

    def __init__(self, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError("speed must be > 0")
        self.speed = speed
        self._mono0 = time.monotonic()
        self._wall0 = time.time()

    def now(self) -> float:
        return (time.monotonic() - self._mono0) * self.speed

    def wall(self) -> float:
        return self._wall0 + self.now()

    def sleep_until(self, machine_t: float) -> None:
        """Block the calling thread until machine time reaches `machine_t`."""
        delay = (machine_t - self.now()) / self.speed
        if delay > 0:
            time.sleep(delay)


class VirtualClock:
    """Time that moves only when told to; used by the virtual runner and tests."""

    def __init__(self, start_s: float = 0.0, wall0: float = 1_767_225_600.0) -> None:
        self._now = start_s
        self._wall0 = wall0
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def wall(self) -> float:
        return self._wall0 + self._now

    def advance(self, dt_s: float) -> None:
        if dt_s < 0:
            raise ValueError("time cannot go backwards")
        with self._lock:
            self._now += dt_s

    def sleep_until(self, machine_t: float) -> None:
        """Virtual sleeping: jump straight to the deadline."""
        with self._lock:
            if machine_t > self._now:
                self._now = machine_t
