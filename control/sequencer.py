"""The machine state machine (DESIGN §5): heat, gate, soak, start in order, run, stop in order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from control.alarms import WARNING
from control.safety import gate_lost

if TYPE_CHECKING:
    from control.core import ControlCore

STATES = ("disabled", "idle", "heating", "ready", "starting", "running", "stopping", "fault")


class Sequencer:
    """Owns `state` and the start/stop step plans; the core calls `advance` once per tick."""

    def __init__(self, core: ControlCore) -> None:
        self.core = core
        self.state = "idle"
        self.target: str | None = (
            None  # "ready" (preheat) or "running" (start); None = no heat plan
        )
        self.soak_since_s: float | None = None
        self.gate_ok = False
        self.blocking: tuple[str, ...] = ()
        self._plan: list[tuple[str, float]] = []
        self._plan_index = 0
        self._next_step_s = 0.0
        self.step_label: str | None = None
        self._handlers = {s: getattr(self, f"_in_{s}", None) for s in STATES}  # per-state work

    # -- transitions ----------------------------------------------------------------------------
    def enter(self, state: str, reason: str) -> None:
        if state == self.state:
            return
        old, self.state = self.state, state
        if state in ("idle", "fault", "disabled"):
            self.target = None
            self.soak_since_s = None
            self._plan = []
            self.step_label = None
        self.core.emit("state", {"from": old, "to": state, "reason": reason})

    def begin_heat(self, target: str) -> None:
        self.target = target
        if self.state == "idle":
            self.enter("heating", "preheat" if target == "ready" else "start")

    def begin_start(self) -> None:
        order = self.core.cfg.sequence.start_order
        self._load_plan([(s.motor, s.delay_s) for s in order])
        self.enter("starting", "gate passed")

    def begin_stop(self, reason: str) -> None:
        """Controlled stop: motors in stop order with delays; heaters per config afterwards."""
        if self.state in ("starting", "running"):
            order = self.core.cfg.sequence.stop_order
            self._load_plan([(s.motor, s.delay_s) for s in order])
            self.enter("stopping", reason)
        elif self.state in ("heating", "ready"):
            self.enter("idle", reason)
            self.target = None

    def _load_plan(self, plan: list[tuple[str, float]]) -> None:
        self._plan = plan
        self._plan_index = 0
        self._next_step_s = self.core.now_s + (plan[0][1] if plan else 0.0)

    # -- per tick -------------------------------------------------------------------------------
    def advance(self, now_s: float) -> None:
        core = self.core
        if self.state == "disabled":
            if core.hmi_enabled:
                self.enter("fault" if core.alarms.latched_trips() else "idle", "HMI enabled")
            return
        if not core.hmi_enabled:
            self.enter("disabled", "HMI disabled")
            return
        self._update_gate(now_s)
        handler = self._handlers.get(self.state)
        if handler is not None:
            handler(now_s)

    def _update_gate(self, now_s: float) -> None:
        core, seq_cfg = self.core, self.core.cfg.sequence
        blocking = []
        for zid, zone in core.zones.items():
            temp = zone.track.temperature_c
            if not (
                zone.sensor_ok
                and zone.in_band(seq_cfg.band_c)
                and temp is not None
                and temp >= seq_cfg.min_extrude_c
            ):
                blocking.append(zid)
        self.blocking = tuple(blocking)
        self.gate_ok = not blocking and self.state in ("heating", "ready", "starting", "running")
        if not self.gate_ok:
            self.soak_since_s = None
        elif self.soak_since_s is None:
            self.soak_since_s = now_s

    def soak_remaining_s(self) -> float | None:
        if self.state in ("ready", "starting", "running"):
            return 0.0 if self.gate_ok else None
        if self.soak_since_s is None:
            return None
        return max(0.0, self.core.cfg.sequence.soak_s - (self.core.now_s - self.soak_since_s))

    def _in_heating(self, now_s: float) -> None:
        if (
            self.target is None
            and not self.core.autotunes_running()
            and not self.core.manual_heat()
        ):
            self.enter("idle", "nothing left to heat")
            return
        if self.target is not None and self.soak_remaining_s() == 0.0 and self.core.mode == "auto":
            self.enter("ready", "gate passed and soaked")

    def _in_ready(self, now_s: float) -> None:
        if not self.gate_ok:
            self.enter("heating", "left the gate")
        elif self.target == "running" and not self.core.autotunes_running():
            self.begin_start()

    def _in_starting(self, now_s: float) -> None:
        if self._check_gate_lost():
            return
        if self._run_plan(now_s, start=True):
            self.enter("running", "all motors started")

    def _in_running(self, now_s: float) -> None:
        self._check_gate_lost()

    def _in_stopping(self, now_s: float) -> None:
        plan_done = self._run_plan(now_s, start=False)
        if plan_done and not any(m.running for m in self.core.motors.values()):
            if self.core.cfg.sequence.hold_heat_after_stop and self.target is not None:
                self.target = "ready"
                self.enter("heating", "stopped; holding heat")
            else:
                self.enter("idle", "stopped")

    def _check_gate_lost(self) -> bool:
        if self.gate_ok:
            return False
        cond = gate_lost(list(self.blocking))
        self.core.alarms.raise_(
            cond.code, cond.source, WARNING, cond.message, self.core.clock.wall()
        )
        self.begin_stop("temperature left the gate")
        return True

    def _run_plan(self, now_s: float, start: bool) -> bool:
        """Issue due steps of the start or stop plan; True once every step has been issued."""
        while self._plan_index < len(self._plan) and now_s >= self._next_step_s:
            motor_id, _ = self._plan[self._plan_index]
            motor = self.core.motors[motor_id]
            motor.command(motor.run_rpm if start else 0.0)
            self._plan_index += 1
            if self._plan_index < len(self._plan):
                self._next_step_s = now_s + self._plan[self._plan_index][1]
        done = self._plan_index >= len(self._plan)
        nxt = None if done else self._plan[self._plan_index][0]
        self.step_label = None if done else f"{'starting' if start else 'stopping'} {nxt}"
        return done

    def zone_heats(self, zone_id: str) -> bool:
        """Whether a zone should be regulating in the current plan."""
        core = self.core
        if core.mode == "manual":
            return core.zones[zone_id].manual_duty is not None
        tune = core.autotunes.get(zone_id)
        if tune is not None and tune.state == "running":
            return True
        return self.target is not None or self.state in ("starting", "running", "stopping")
