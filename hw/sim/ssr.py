"""Zero-cross SSRs: conduction starts and stops only at mains zero crossings (whole half-cycles)."""

from __future__ import annotations

import math

from hw.sim.bus import SimBus

_EPS = 1e-6  # half-cycles; absorbs float error when a command lands exactly on a crossing


class ZeroCrossSwitch:
    """Pure timing model of a zero-cross switch, counted in mains half-cycles.

    Half-cycle `n` spans [n/(2·mains_hz), (n+1)/(2·mains_hz)). A command at time t takes effect at
    the next zero crossing at or after t; a later command before that crossing replaces it (the
    triac never saw the first one). A stuck (shorted) switch conducts from the current crossing on.
    """

    def __init__(self, mains_hz: int) -> None:
        self.half_cycles_per_s = 2 * mains_hz
        self.reset()

    def reset(self) -> None:
        self._head = False  # conduction before the first remembered edge
        self._edges: list[tuple[int, bool]] = []  # (half-cycle index, conducting from there on)
        self._command = False
        self._stuck = False

    def index(self, t_s: float) -> int:
        """Index of the half-cycle in progress at t (completed half-cycles since time 0)."""
        return math.floor(t_s * self.half_cycles_per_s + _EPS)

    def next_crossing(self, t_s: float) -> int:
        """Index of the first zero crossing at or after t."""
        return math.ceil(t_s * self.half_cycles_per_s - _EPS)

    @property
    def command(self) -> bool:
        return self._command

    @property
    def stuck(self) -> bool:
        return self._stuck

    def set_command(self, t_s: float, on: bool) -> None:
        self._command = on
        self._schedule(self.next_crossing(t_s))

    def set_stuck(self, t_s: float, stuck: bool) -> None:
        self._stuck = stuck
        self._schedule(self.index(t_s) if stuck else self.next_crossing(t_s))

    def conducting_at(self, n: int) -> bool:
        state = self._head
        for edge, on in self._edges:
            if edge > n:
                break
            state = on
        return state

    def on_count(self, n0: int, n1: int) -> int:
        """Conducting half-cycles in [n0, n1). n0 must not precede the last `forget` point."""
        count, cursor, state = 0, n0, self._head
        for edge, on in self._edges:
            if edge <= n0:
                state = on
                continue
            if edge >= n1:
                break
            if state:
                count += edge - cursor
            cursor, state = edge, on
        if state and n1 > cursor:
            count += n1 - cursor
        return count

    def forget(self, n: int) -> None:
        """Fold every edge at or before half-cycle n into the head state (bounded memory)."""
        while self._edges and self._edges[0][0] <= n:
            self._head = self._edges.pop(0)[1]

    def _schedule(self, n: int) -> None:
        target = self._command or self._stuck
        while self._edges and self._edges[-1][0] >= n:
            self._edges.pop()  # a pending change at the same crossing is superseded
        previous = self._edges[-1][1] if self._edges else self._head
        if previous != target:
            self._edges.append((n, target))


class SimSSR:
    """HeaterOutput for one zone: a zero-cross SSR whose conduction the plant integrates.

    `duty_window` is the fraction of the last `window_s` the SSR actually conducted (zero-cross
    quantised, and 1.0 while it is stuck on). Power only reaches the heater when the heater
    contactor is closed and the heater element is intact; the machine accounts for that.
    """

    def __init__(self, zone_id: str, bus: SimBus, mains_hz: int, window_s: float) -> None:
        self.zone_id = zone_id
        self._label = f"heater {zone_id}"
        self._bus = bus
        self.switch = ZeroCrossSwitch(mains_hz)
        self._window_hc = max(1, round(window_s * self.switch.half_cycles_per_s))
        self._closed = False

    def set(self, on: bool) -> None:
        if not isinstance(on, bool):
            raise TypeError(f"heater {self.zone_id}: set() takes a bool, got {on!r}")
        with self._bus.lock:
            now_s = self._bus.now(self._closed, self._label)
            self._command(now_s, on)
            # Keep one window plus a margin: the plant never looks further back than one sub-step.
            self.switch.forget(self.switch.index(now_s) - self._window_hc - 64)

    def close(self) -> None:
        with self._bus.lock:
            now_s = self._bus.now()
            if not self._closed:
                self._command(now_s, False)
                self._closed = True

    def _command(self, now_s: float, on: bool) -> None:
        if on != self.switch.command:
            self._bus.emit(f"zones.{self.zone_id}.heater", float(on), now_s)
        self.switch.set_command(now_s, on)

    def set_stuck(self, now_s: float, stuck: bool) -> None:
        """Machine-side: the SSR fails shorted (or is repaired). Call under the bus lock."""
        self.switch.set_stuck(now_s, stuck)

    @property
    def commanded(self) -> bool:
        """The logical level software drives on the SSR input."""
        return self.switch.command

    def conducting(self, now_s: float) -> bool:
        return self.switch.conducting_at(self.switch.index(now_s))

    def duty_window(self, now_s: float) -> float:
        n = self.switch.index(now_s)
        return self.switch.on_count(n - self._window_hc, n) / self._window_hc

    def reset(self) -> None:
        self.switch.reset()
