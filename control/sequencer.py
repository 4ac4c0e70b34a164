"""The machine state machine (DESIGN §5): heat, gate, soak, start in order, run, stop in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from control.states import STATES
from machine_config.config import SequenceConfig

__all__ = ["STATES", "Sequencer", "SequencerPort"]


class SequencerPort(Protocol):
    """Everything the sequencer reads from, and may command on, the rest of the machine."""

    def hmi_enabled(self) -> bool: ...
    def manual_mode(self) -> bool: ...
    def latched_trip(self) -> bool: ...
    def gate_blocking(self) -> tuple[str, ...]: ...
    def tunes_running(self) -> bool: ...
    def tune_running(self, zone_id: str) -> bool: ...
    def manual_heat(self) -> bool: ...
    def manual_duty_set(self, zone_id: str) -> bool: ...
    def motors_running(self) -> bool: ...
    def run_motor(self, motor_id: str, start: bool) -> None: ...
    def gate_lost(self, blocking: tuple[str, ...]) -> None: ...
    def emit(self, kind: str, data: dict[str, Any]) -> None: ...


class Sequencer:
    """Owns `state` and the start/stop step plans; the core calls `advance` once per tick."""

    def __init__(self, cfg: SequenceConfig, port: SequencerPort, now_s: float) -> None:
        self.cfg = cfg
        self.port = port
        self.state = "idle"
        self.target: str | None = None  # "ready" (preheat) or "running" (start); None = no plan
        self.soak_since_s: float | None = None
        self.gate_ok = False
        self.blocking: tuple[str, ...] = ()
        self._plan: list[tuple[str, float]] = []
        self._plan_index = 0
        self._next_step_s = 0.0
        self._now_s = now_s  # the time of the last `advance`
        self.step_label: str | None = None
        self._handlers: dict[str, Callable[[float], None] | None] = {
            s: getattr(self, f"_in_{s}", None) for s in STATES
        }  # per-state work

    # -- transitions ----------------------------------------------------------------------------
    def boot(self, hmi_enabled: bool) -> None:
        """The state after a process start, before anything else happened (no event)."""
        self.state = "idle" if hmi_enabled else "disabled"

    def enter(self, state: str, reason: str) -> None:
        if state == self.state:
            return
        old, self.state = self.state, state
        if state in ("idle", "fault", "disabled"):
            self.target = None
            self.soak_since_s = None
            self._plan = []
            self.step_label = None
        self.port.emit("state", {"from": old, "to": state, "reason": reason})

    def begin_heat(self, target: str) -> None:
        self.target = target
        if self.state == "idle":
            self.enter("heating", "preheat" if target == "ready" else "start")

    def begin_start(self, now_s: float) -> None:
        self._load_plan([(s.motor, s.delay_s) for s in self.cfg.start_order], now_s)
        self.enter("starting", "gate passed")

    def begin_stop(self, reason: str, now_s: float) -> None:
        """Controlled stop: motors in stop order with delays; heaters per config afterwards."""
        if self.state in ("starting", "running"):
            self._load_plan([(s.motor, s.delay_s) for s in self.cfg.stop_order], now_s)
            self.enter("stopping", reason)
        elif self.state in ("heating", "ready"):
            self.enter("idle", reason)
            self.target = None

    def _load_plan(self, plan: list[tuple[str, float]], now_s: float) -> None:
        self._plan = plan
        self._plan_index = 0
        self._next_step_s = now_s + (plan[0][1] if plan else 0.0)

    # -- per tick -------------------------------------------------------------------------------
    def advance(self, now_s: float) -> None:
        self._now_s = now_s
        port = self.port
        if self.state == "disabled":
            if port.hmi_enabled():
                self.enter("fault" if port.latched_trip() else "idle", "HMI enabled")
            return
        if not port.hmi_enabled():
            self.enter("disabled", "HMI disabled")
            return
        self._update_gate(now_s)
        handler = self._handlers.get(self.state)
        if handler is not None:
            handler(now_s)

    def _update_gate(self, now_s: float) -> None:
        self.blocking = self.port.gate_blocking()
        self.gate_ok = not self.blocking and self.state in (
            "heating",
            "ready",
            "starting",
            "running",
        )
        if not self.gate_ok:
            self.soak_since_s = None
        elif self.soak_since_s is None:
            self.soak_since_s = now_s

    def soak_remaining_s(self) -> float | None:
        if self.state in ("ready", "starting", "running"):
            return 0.0 if self.gate_ok else None
        if self.soak_since_s is None:
            return None
        return max(0.0, self.cfg.soak_s - (self._now_s - self.soak_since_s))

    def _in_heating(self, now_s: float) -> None:
        port = self.port
        if self.target is None and not port.tunes_running() and not port.manual_heat():
            self.enter("idle", "nothing left to heat")
            return
        if self.target is not None and self.soak_remaining_s() == 0.0 and not port.manual_mode():
            self.enter("ready", "gate passed and soaked")

    def _in_ready(self, now_s: float) -> None:
        if not self.gate_ok:
            self.enter("heating", "left the gate")
        elif self.target == "running" and not self.port.tunes_running():
            self.begin_start(now_s)

    def _in_starting(self, now_s: float) -> None:
        if self._check_gate_lost(now_s):
            return
        if self._run_plan(now_s, start=True):
            self.enter("running", "all motors started")

    def _in_running(self, now_s: float) -> None:
        self._check_gate_lost(now_s)

    def _in_stopping(self, now_s: float) -> None:
        plan_done = self._run_plan(now_s, start=False)
        if plan_done and not self.port.motors_running():
            if self.cfg.hold_heat_after_stop and self.target is not None:
                self.target = "ready"
                self.enter("heating", "stopped; holding heat")
            else:
                self.enter("idle", "stopped")

    def _check_gate_lost(self, now_s: float) -> bool:
        if self.gate_ok:
            return False
        self.port.gate_lost(self.blocking)
        self.begin_stop("temperature left the gate", now_s)
        return True

    def _run_plan(self, now_s: float, start: bool) -> bool:
        """Issue due steps of the start or stop plan; True once every step has been issued."""
        while self._plan_index < len(self._plan) and now_s >= self._next_step_s:
            motor_id, _ = self._plan[self._plan_index]
            self.port.run_motor(motor_id, start)
            self._plan_index += 1
            if self._plan_index < len(self._plan):
                self._next_step_s = now_s + self._plan[self._plan_index][1]
        done = self._plan_index >= len(self._plan)
        nxt = None if done else self._plan[self._plan_index][0]
        self.step_label = None if done else f"{'starting' if start else 'stopping'} {nxt}"
        return done

    def zone_heats(self, zone_id: str) -> bool:
        """Whether a zone should be regulating in the current plan."""
        if self.port.manual_mode():
            return self.port.manual_duty_set(zone_id)
        planned = self.target is not None or self.state in ("starting", "running", "stopping")
        return planned or self.port.tune_running(zone_id)  # the plan, asked first, is cheaper
