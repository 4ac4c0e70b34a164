"""The HIL harness: timestamped edges seen at the rig's input pins, what they measure, and the
report table. Nothing here reads the control core: verdicts come from the pins only."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from machine_config.config import Config
from tests.hil.rig import RigConfig, signal_of


@dataclass
class Trace:
    """One input pin's level history: the level at `start_s`, then (time, level) changes."""

    start_s: float
    initial: bool
    changes: list[tuple[float, bool]] = field(default_factory=list)

    def record(self, t_s: float, level: bool) -> None:
        if level != self.level_at(t_s):
            self.changes.append((t_s, level))

    def level_at(self, t_s: float) -> bool:
        i = bisect.bisect_right(self.changes, (t_s, True))
        return self.changes[i - 1][1] if i else self.initial

    def rises(self, t0: float, t1: float) -> list[float]:
        return [t for t, lvl in self.changes if lvl and t0 <= t < t1]

    def high_fraction(self, t0: float, t1: float) -> float:
        """Share of [t0, t1) the pin was high (SSR duty over a window)."""
        high, t, level = 0.0, t0, self.level_at(t0)
        for ct, lvl in self.changes:
            if ct <= t0 or ct >= t1:
                continue
            high += (ct - t) if level else 0.0
            t, level = ct, lvl
        high += (t1 - t) if level else 0.0
        return high / (t1 - t0)

    def low_since(self, after_s: float, now_s: float) -> float | None:
        """When the pin went low for good (at or after after_s), or None if it is high by now."""
        if self.level_at(now_s):
            return None
        last_fall = after_s
        for ct, lvl in self.changes:
            if after_s <= ct <= now_s and not lvl:
                last_fall = ct
        return last_fall


STEP_QUIET_S = 0.5  # no step pulse for this long: stopped (a ramp's first tick steps at ~27 Hz)


class Rig(Protocol):
    """A loop-back rig: the machine under test, its input traces, and the relays it drives."""

    spec: RigConfig
    cfg: Config

    def now(self) -> float: ...

    def run_for(self, seconds: float) -> None: ...

    def run_until(self, done: Callable[[], bool], timeout_s: float) -> bool: ...

    def trace(self, key: str) -> Trace: ...

    def submit(self, command: object) -> None: ...

    def open_estop(self, is_open: bool) -> None: ...

    def unplug_tc(self, zone: str, unplugged: bool) -> None: ...


class Pins:
    """Logical reads of the machine's outputs through the loop-back (polarity from config)."""

    def __init__(self, rig: Rig) -> None:
        self.rig = rig

    def on(self, key: str, t_s: float | None = None) -> bool:
        level = self.rig.trace(key).level_at(self.rig.now() if t_s is None else t_s)
        return level != self._active_low(key)

    def off_since(self, key: str, after_s: float) -> float | None:
        """When output `key` went (logically) off for good after after_s; None if on now. A step
        output is a square wave: it is off only once no pulse came for STEP_QUIET_S."""
        trace = self.rig.trace(key)
        now = self.rig.now()
        if key.endswith(".step") and trace.rises(max(after_s, now - STEP_QUIET_S), now):
            return None
        if not self._active_low(key):
            return trace.low_since(after_s, self.rig.now())
        inverted = Trace(trace.start_s, not trace.initial, [(t, not v) for t, v in trace.changes])
        return inverted.low_since(after_s, self.rig.now())

    def duty(self, key: str, t0: float, t1: float) -> float:
        fraction = self.rig.trace(key).high_fraction(t0, t1)
        return 1.0 - fraction if self._active_low(key) else fraction

    def step_rate(self, motor: str, t0: float, t1: float) -> float:
        return len(self.rig.trace(f"motors.{motor}.step").rises(t0, t1)) / (t1 - t0)

    def first_step(self, motor: str, after_s: float) -> float | None:
        rises = self.rig.trace(f"motors.{motor}.step").rises(after_s, self.rig.now())
        return rises[0] if rises else None

    def enabled_at(self, motor: str, t_s: float) -> bool:
        return self.on(f"motors.{motor}.enable", t_s)

    def heartbeat_periods(self, t0: float, t1: float) -> list[float]:
        rises = self.rig.trace("outputs.heartbeat").rises(t0, t1)
        return [b - a for a, b in itertools.pairwise(rises)]

    def stepping(self, motor: str, window_s: float = 0.1) -> bool:
        now = self.rig.now()
        return bool(self.rig.trace(f"motors.{motor}.step").rises(now - window_s, now))

    def _active_low(self, key: str) -> bool:
        found = signal_of(key, self.rig.cfg)
        assert found is not None, f"{key} is not wired on this rig"
        return found[1]


@dataclass
class Row:
    drill: str
    quantity: str
    expected: str
    observed: str
    ok: bool


class Report:
    """The table printed at the end of the run (and each row's verdict asserted by its drill)."""

    def __init__(self) -> None:
        self.rows: list[Row] = []

    def check(self, drill: str, quantity: str, expected: str, observed: str, ok: bool) -> bool:
        self.rows.append(Row(drill, quantity, expected, observed, ok))
        return ok

    def table(self) -> list[str]:
        head = ("drill", "measured at the pins", "expected", "observed", "verdict")
        cells = [head, *((r.drill, r.quantity, r.expected, r.observed, "PASS" if r.ok else
                          "FAIL") for r in self.rows)]  # fmt: skip
        widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
        return [" | ".join(c[i].ljust(widths[i]) for i in range(len(head))) for c in cells]
