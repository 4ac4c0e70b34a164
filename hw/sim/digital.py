"""Simulated digital I/O: outputs that record their history, inputs for E-stop chain and buttons."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from hw.sim.bus import SimBus

HISTORY_LEN = 256  # changes kept per output (the heartbeat toggles every tick)


def _always() -> bool:
    return True


class SimOutput:
    """DigitalOutput: keeps its logical state and a bounded history of (time_s, state) changes."""

    def __init__(
        self, output_id: str, bus: SimBus, history_len: int = HISTORY_LEN, signal: str = ""
    ) -> None:
        self.output_id = output_id
        self.signal = signal or f"outputs.{output_id}"  # its config key, for pin watchers
        self._label = f"output {output_id}"
        self._bus = bus
        self._history: deque[tuple[float, bool]] = deque(maxlen=history_len)
        self._closed = False
        self.reset()

    def reset(self) -> None:
        self._on = False
        self._changes = 0
        self._last_change_s: float | None = None
        self._history.clear()

    def set(self, on: bool) -> None:
        if not isinstance(on, bool):
            raise TypeError(f"output {self.output_id}: set() takes a bool, got {on!r}")
        with self._bus.lock:
            now_s = self._bus.now(self._closed, self._label)
            self._apply(now_s, on)

    def close(self) -> None:
        with self._bus.lock:
            now_s = self._bus.now()
            self._apply(now_s, False)
            self._closed = True

    @property
    def on(self) -> bool:
        return self._on

    @property
    def changes(self) -> int:
        """How many times the state changed since power-on (or reset)."""
        return self._changes

    @property
    def last_change_s(self) -> float | None:
        return self._last_change_s

    @property
    def history(self) -> tuple[tuple[float, bool], ...]:
        """The most recent state changes, oldest first, as (machine time s, state)."""
        with self._bus.lock:
            return tuple(self._history)

    def _apply(self, now_s: float, on: bool) -> None:
        if on != self._on:
            self._on = on
            self._changes += 1
            self._last_change_s = now_s
            self._history.append((now_s, on))
            self._bus.emit(self.signal, float(on), now_s)


class SimInput:
    """DigitalInput with a settable level. `permit` can hold it de-asserted (an injected fault).

    `press(hold_s)` asserts it like a finger on a button: until `release()`, or for `hold_s`
    seconds of machine time when given.
    """

    def __init__(
        self, input_id: str, bus: SimBus, default: bool, permit: Callable[[], bool] = _always
    ) -> None:
        self.input_id = input_id
        self._label = f"input {input_id}"
        self._bus = bus
        self._default = default
        self._permit = permit
        self._closed = False
        self.reset()

    def reset(self) -> None:
        self._level = self._default
        self._until_s: float | None = None

    def read(self) -> bool:
        with self._bus.lock:
            now_s = self._bus.now(self._closed, self._label)
            return self._asserted(now_s)

    def close(self) -> None:
        self._closed = True

    def set_level(self, asserted: bool) -> None:
        """Hold the input at this logical level until changed."""
        with self._bus.lock:
            self._bus.now()
            self._level = asserted
            self._until_s = None

    def press(self, hold_s: float | None = None) -> None:
        if hold_s is not None and not hold_s > 0:
            raise ValueError(f"input {self.input_id}: hold_s must be > 0, got {hold_s!r}")
        with self._bus.lock:
            now_s = self._bus.now()
            self._level = True
            self._until_s = None if hold_s is None else now_s + hold_s

    def release(self) -> None:
        self.set_level(False)

    def peek(self, now_s: float) -> bool:
        """The level software would read at now_s (for views; call under the bus lock)."""
        return self._asserted(now_s)

    def _asserted(self, now_s: float) -> bool:
        if self._until_s is not None and now_s >= self._until_s:
            self._level, self._until_s = False, None
        return self._level and self._permit()
