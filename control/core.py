"""The control core: the single writer owning all machine state and hardware, tick by tick."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from control import outputs, safety
from control.alarms import TRIP, WARNING, Alarm, AlarmBook
from control.answers import Answer, Answers
from control.autotune import RelayAutotune
from control.commands import Actor, Command, Start, Stop
from control.config import Config
from control.errors import HmiError
from control.isotime import iso
from control.motor import Motor
from control.safety import CAT0, WARN, Condition, SafetyInputs
from control.sensing import SensorTrack
from control.sequencer import Sequencer
from control.settings import SettingsStore
from control.sinks import CoreSinks, Event, deliver
from control.snapshot import AlarmView, Snapshot
from control.snapshot_build import SnapshotBuilder
from control.writer import PersistWriter, WriteTicket
from control.zone import Zone
from hw.io import MachineIO
from hw.protocols import Clock

__all__ = ["ControlCore", "CoreSinks", "Event"]  # CoreSinks and Event: the historian's imports
log = logging.getLogger(__name__)

REFRESH_TICKS = 20  # every output is rewritten at least this often, changed or not
CUT_CONTACTOR = frozenset({"ssr_stuck_on", *outputs.CUTS_CONTACTOR})
HEATING_STATES = frozenset({"heating", "ready", "starting", "running", "stopping"})
MOTION_STATES = frozenset({"starting", "running", "stopping"})
START_REFUSED_IN = {  # states in which START is refused whatever else holds, and why
    "disabled": "the HMI is disabled",
    "fault": "a trip is active: acknowledge and reset",
    "starting": "already starting",
    "running": "already running",
    "stopping": "the machine is stopping",
}
STORAGE_ALARM = "storage_write_failed"  # warning, source machine: data is not being saved
LATCH_UNKNOWN = "latch_state_unknown"  # trip, source machine: alarms.json could not be read


class ControlCore:
    """Owns the machine. Other threads only `submit` commands and read `snapshot`."""

    def __init__(
        self,
        cfg: Config,
        io: MachineIO,
        clock: Clock,
        data_dir: Path | None = None,
        sinks: CoreSinks | None = None,
        writer: PersistWriter | None = None,
    ) -> None:
        self.cfg = cfg
        self.io = io
        self.clock = clock
        self.sinks = sinks or CoreSinks()
        tick_s = cfg.machine.tick_s
        self.zones = {
            zid: Zone(
                zid,
                z,
                cfg.safety,
                tick_s,
                io.zone_sensors[zid],
                io.heaters[zid],
                band_c=cfg.sequence.band_c,
            )
            for zid, z in cfg.zones.items()
        }
        self.monitors = {
            sid: SensorTrack(io.monitor_sensors[sid], s.sensor.period_s)
            for sid, s in cfg.sensors.items()
        }
        self.motors = {mid: Motor(mid, m, io.steppers[mid]) for mid, m in cfg.motors.items()}
        self.alarms = AlarmBook()
        self.aux_requested = dict.fromkeys(cfg.outputs.aux, False)
        self.aux_on = dict.fromkeys(cfg.outputs.aux, False)
        self.autotunes: dict[str, RelayAutotune] = {}
        self.mode = "auto"
        self.hmi_enabled = True
        self.contactor_on = False
        self.seq = Sequencer(self)
        self.settings = SettingsStore(data_dir, cfg, writer)
        self.outputs = outputs.OutputWriter()
        self._alarms_ticket: WriteTicket | None = None
        self._commands: queue.SimpleQueue[tuple[Command, Future[Any]]] = queue.SimpleQueue()
        self._stalled = threading.Event()
        self._heartbeat = False
        self._answers = Answers()
        self._buttons = {"start": False, "stop": False}
        self._next_sample_s = 0.0
        self.start_s = clock.now()
        self.now_s = self.start_s
        self.ticks = 0
        self.overruns = 0
        self.last_tick_s = self.start_s
        self.first_out_code: str | None = None
        self.external: dict[tuple[str, str], Condition] = {}
        self.estop_chain_ok = _safe_read(io.estop_ok.read, False)
        self._history_views: tuple[AlarmView, ...] = ()
        self._boot()
        self._snapshots = SnapshotBuilder(self)
        self._snapshot = self._snapshots.build()

    # -- start-up -------------------------------------------------------------------------------
    def _boot(self) -> None:
        """Everything off; restore settings and latched trips; start idle (or fault)."""
        self.io.all_outputs_off()
        problems = self.settings.load_into(self)
        stored = self.settings.load_alarms()
        if stored.records:
            self.alarms.restore(stored.records)
        wall = self.clock.wall()
        problems += stored.problems
        for problem in problems:
            log.warning("stored file not applied: %s", problem)
        if problems:  # one alarm per cause: every problem in it, each naming file and field
            self.alarms.raise_("settings_corrupt", "machine", WARNING, "; ".join(problems), wall)
        if stored.unknown:
            self._latch_unknown(wall)
        self.seq.state = "disabled" if not self.hmi_enabled else "idle"
        if self.alarms.latched_trips():
            self.seq.enter("fault" if self.hmi_enabled else "disabled", "latched trip restored")

    def _latch_unknown(self, wall: float) -> None:
        """alarms.json existed but no copy could be trusted: a trip may have been latched, so
        start latched (fault) until someone has checked the machine, acknowledged and reset."""
        message = (
            "Stored alarms unreadable: latched trips unknown. Check the machine, then "
            "acknowledge and reset"
        )
        log.error("%s", message)
        self.alarms.raise_(LATCH_UNKNOWN, "machine", TRIP, message, wall)
        self.alarms.condition_gone(LATCH_UNKNOWN, "machine", wall)  # latched; ack + reset clear it

    # -- thread-safe API ------------------------------------------------------------------------
    @property
    def snapshot(self) -> Snapshot:
        """The latest published snapshot (immutable; safe from any thread)."""
        return self._snapshot

    def submit(self, cmd: Command) -> Future[Any]:
        """Queue a command for the next tick; the Future resolves to its result or an HmiError."""
        fut: Future[Any] = Future()
        self._commands.put((cmd, fut))
        return fut

    def flag_stall(self) -> None:
        """Called by the watchdog after it forced every output off from its own thread."""
        self._stalled.set()

    def report_condition(self, cond: Condition, present: bool) -> None:
        """Raise or clear an external warning (historian, disk). Thread-safe: applied next tick."""
        self.submit(_External(cond=cond, present=present))

    def alarm_history(self) -> tuple[AlarmView, ...]:
        """Ended alarms, newest last (immutable; rebuilt only when alarms change)."""
        return self._history_views

    def last_tick_age_s(self) -> float:
        return max(0.0, self.clock.now() - self.last_tick_s)

    # -- the tick -------------------------------------------------------------------------------
    def tick(self) -> None:
        """One control cycle in the order of DESIGN §4. Only the control thread calls this."""
        now = self.clock.now()
        self.now_s = now
        self._read_inputs(now)
        self._evaluate_safety(now)
        self._apply_commands()
        self.seq.advance(now)
        self._control(now)
        self._write_outputs(now)
        self._publish(now)
        self._answer()

    def _read_inputs(self, now: float) -> None:
        stale_s = self.cfg.safety.sensor_stale_s
        for zone in self.zones.values():
            zone.track.poll(now)
            zone.sensor_ok = zone.track.healthy(now, stale_s)  # fixed until the next tick's read
        for track in self.monitors.values():
            track.poll(now)
        for motor in self.motors.values():
            motor.alarm = _safe_read(motor.driver.alarm, True)
        self.estop_chain_ok = _safe_read(self.io.estop_ok.read, False)
        self._poll_button("start", self.io.start_button, Start)
        self._poll_button("stop", self.io.stop_button, Stop)

    def _poll_button(self, name: str, button: Any, kind: type[Command]) -> None:
        if button is None:
            return
        pressed = _safe_read(button.read, False)
        if pressed and not self._buttons[name]:
            self.submit(kind(actor=Actor(who="panel button", role="operator", source="button")))
        self._buttons[name] = pressed

    def _evaluate_safety(self, now: float) -> None:
        stalled = self._stalled.is_set()
        if stalled:  # the watchdog wrote every output off behind our back
            self._stalled.clear()
            self.outputs.forget()
            for motor in self.motors.values():
                motor.forget_written()
        inputs = SafetyInputs(now, self.estop_chain_ok, stalled, self.seq.state in HEATING_STATES)
        found = safety.evaluate(
            self.cfg, inputs, self.zones.values(), self.monitors, self.motors.values()
        )
        found += self.external.values()
        if self.outputs.faults.present:  # an output whose writes fail keeps its trip present
            found += self.outputs.faults.present.values()
        self._sync_alarms(found)
        trips = [c for c in found if c.severity == TRIP] if found else []
        if trips:
            self.trip(trips)

    def _sync_alarms(self, found: list[Condition]) -> None:
        wall = self.clock.wall()
        for cond in found:
            self.alarms.raise_(cond.code, cond.source, cond.severity, cond.message, wall)
        live = self.alarms.live()
        if live:
            present = {(c.code, c.source) for c in found}
            for alarm in live:
                if alarm.active and (alarm.code, alarm.source) not in present:
                    self.alarms.condition_gone(alarm.code, alarm.source, wall)
        self.alarms.unshelve_expired(wall)

    def trip(self, conditions: list[Condition]) -> None:
        """Latch a trip: heaters off now; category 0 cuts the motors too, else they ramp down."""
        for zone in self.zones.values():
            outputs.attempt(zone.force_off)  # a failing heater is already a present trip condition
        for tune in self.autotunes.values():
            tune.abort()
        cat0 = any(c.reaction == CAT0 for c in conditions)
        cut = {c.source for c in conditions if c.code == outputs.MOTOR}
        for motor in self.motors.values():
            if cat0 or motor.alarm or motor.id in cut:
                outputs.attempt(motor.force_off)
            else:
                motor.command(0.0)
        if any(c.code in CUT_CONTACTOR for c in conditions):
            self.contactor_on = False
            outputs.attempt(self.io.heater_contactor.set, False)
        if self.seq.state not in ("fault", "disabled"):
            self.seq.enter("fault", conditions[0].message)

    def _apply_commands(self) -> None:
        """Apply queued commands; their Futures resolve only after this tick's snapshot is out,
        so whoever waits on one reads a snapshot that already shows the change."""
        while not self._commands.empty():  # only this thread takes from the queue
            cmd, fut = self._commands.get_nowait()
            if fut.set_running_or_notify_cancel():
                self._apply(cmd, fut)

    def _apply(self, cmd: Command, fut: Future[Any]) -> None:
        """Run one command's handler, audit it, and keep its answer for the end of the tick
        (later, if it changed a file or a latched trip: then it waits for the write)."""
        from control.handlers import dispatch  # local: handlers import this module

        before = len(self.alarms.changes)
        try:
            answer = Answer(fut, dispatch(self, cmd), False)
        except HmiError as err:  # refused; a reset with ack may still have acknowledged trips
            self._audit(cmd, "refused", err)
            answer = Answer(fut, err, True)
        except Exception as err:  # a bug in a handler: stop safely, latch, keep ticking
            self._internal_error(cmd, err)
            answer = Answer(fut, err, True)
        else:
            self._audit(cmd, "applied", None)
        answer.waits = self.settings.take_enqueued()
        answer.durable_alarms = any(a.latched for _, a in self.alarms.changes[before:])
        self._answers.add(answer)

    def _internal_error(self, cmd: Command, err: Exception) -> None:
        message = f"Internal error in {type(cmd).__name__}: {type(err).__name__}"
        cond = Condition("internal_error", "machine", TRIP, CAT0, message)
        self.alarms.raise_(cond.code, cond.source, TRIP, message, self.clock.wall())
        self.trip([cond])

    def _answer(self) -> None:
        self._answers.settle(self._alarms_ticket)
        self._alarms_ticket = None

    def _audit(self, cmd: Command, result: str, err: HmiError | None) -> None:
        if isinstance(cmd, _External):
            return
        data = {
            "who": cmd.actor.who,
            "role": cmd.actor.role,
            "source": cmd.actor.source,
            "action": type(cmd).__name__,
            "args": _command_args(cmd),
            "result": result,
            "old": getattr(self, "_audit_old", None),
            "new": getattr(self, "_audit_new", None),
        }
        if err is not None:
            data["error"] = err.to_dict()
        self._audit_old = self._audit_new = None
        self.emit("audit", data)

    def note_change(self, old: Any, new: Any) -> None:
        """Handlers call this so the audit record shows old → new."""
        self._audit_old, self._audit_new = old, new

    def _control(self, now: float) -> None:
        heat_ok = self.seq.state in HEATING_STATES and self.hmi_enabled
        for zid, zone in self.zones.items():
            tune = self.autotunes.get(zid)
            running_tune = tune if tune is not None and tune.state == "running" else None
            allowed = heat_ok and self.seq.zone_heats(zid) and zone.sensor_ok
            zone.compute_duty(now, _TuneAdapter(running_tune) if running_tune else None, allowed)
            if running_tune is not None and not allowed:
                if zone.sensor_ok:
                    running_tune.abort()
                else:
                    running_tune.update(now, None)  # fails the tune with reason sensor_fault
        motion_state = self.seq.state in MOTION_STATES or self.seq.state == "fault"
        motion_ok: bool | None = None  # the interlock, asked only when a motor wants to move
        for motor in self.motors.values():
            wants = (motion_state or motor.jog_until_s is not None) and not motor.alarm
            if wants and motion_ok is None:
                motion_ok = self.motion_interlock() is None
            motor.update(now, wants and bool(motion_ok))

    def zone_healthy(self, zone: Zone) -> bool:
        """The zone's sensor verdict of this tick: a fresh reading and no fault."""
        return zone.sensor_ok

    # -- queries the handlers, sequencer and snapshot share ------------------------------------
    def autotunes_running(self) -> bool:
        return bool(self.autotunes) and any(t.state == "running" for t in self.autotunes.values())

    def manual_heat(self) -> bool:
        return self.mode == "manual" and any(z.manual_duty is not None for z in self.zones.values())

    def jogging(self) -> bool:
        return any(m.jog_until_s is not None or m.running for m in self.motors.values())

    def gains(self, zone_id: str) -> dict[str, float]:
        pid = self.zones[zone_id].pid
        return {"kp": pid.kp, "ki": pid.ki, "kd": pid.kd}

    def autotune_view(self, zone_id: str) -> dict[str, Any]:
        """API.md decision 11: idle before any tune; running with progress; done or failed."""
        tune = self.autotunes.get(zone_id)
        if tune is None:
            return {"zone": zone_id, "state": "idle"}
        view: dict[str, Any] = {
            "zone": zone_id,
            "state": tune.state,
            "progress": round(tune.progress, 3),
            "setpoint_c": tune.setpoint_c,
        }
        if tune.state == "failed":
            view["reason"] = tune.reason
        if tune.state == "done":
            view.update(tune.result())
        return view

    def start_refusal(self) -> str | None:
        """Why START would be refused now (shown on the panel before anyone presses it)."""
        refused = START_REFUSED_IN.get(self.seq.state)
        if refused is not None:
            return refused
        if self.mode != "auto":
            return "manual mode"
        if not self.estop_chain_ok:
            return "E-stop chain open"
        if self._buttons["stop"]:  # normally closed: held, or its wire is cut
            return "stop button pressed or its wire cut"
        if self.autotunes_running():
            return "autotune running"
        return None

    def motion_interlock(self) -> str | None:
        """Why the motors may not step now, or None. Cold plastic never meets a turning screw."""
        if not self.hmi_enabled:
            return "HMI disabled"
        if not self.estop_chain_ok:
            return "E-stop chain open"
        for zone in self.zones.values():
            temp = zone.track.temperature_c
            if not zone.sensor_ok or temp is None:
                return f"{zone.cfg.name} sensor not healthy"
            if temp < self.cfg.sequence.min_extrude_c:
                return (
                    f"{zone.cfg.name} at {temp:.1f} °C is below the minimum extrusion "
                    f"temperature {self.cfg.sequence.min_extrude_c:g} °C"
                )
        return None

    def _write_outputs(self, now: float) -> None:
        """Drive every output. A write that raises trips that output's zone or motor (alarm
        naming it) and sends everything else to safe through `trip`; the loop keeps ticking."""
        state = self.seq.state
        heat_ok = state in HEATING_STATES and self.hmi_enabled
        stuck = self.alarms.has_live("ssr_stuck_on") or self.alarms.has_live(outputs.HEATER)
        self.contactor_on = heat_ok and not stuck
        refresh = self.ticks % REFRESH_TICKS == 0
        out, io = self.outputs, self.io
        failed = [out.plain(outputs.CONTACTOR, "machine", "heater_contactor",
                            io.heater_contactor, self.contactor_on, refresh)]  # fmt: skip
        failed += out.zones(self.zones.values(), now, heat_ok)
        failed += out.motors(self.motors.values(), self.hmi_enabled, refresh)
        for oid, on in self._aux_levels(state).items():
            failed.append(out.plain(outputs.AUX, oid, oid, io.aux[oid], on, refresh))
        self._heartbeat = not self._heartbeat
        failed.append(out.plain(outputs.HEARTBEAT, "machine", "heartbeat", io.heartbeat,
                                self._heartbeat, True))  # fmt: skip
        trips = [c for c in failed if c is not None]
        if trips:
            self._output_trip(trips)

    def _output_trip(self, trips: list[Condition]) -> None:
        """Latch the write failures now (this tick), not at the next safety pass."""
        wall = self.clock.wall()
        for cond in trips:
            self.alarms.raise_(cond.code, cond.source, TRIP, cond.message, wall)
        self.outputs.forget()
        self.trip(trips)

    def _aux_levels(self, state: str) -> dict[str, bool]:
        for oid, ocfg in self.cfg.outputs.aux.items():
            if not self.hmi_enabled:
                on = False
            elif state == "fault":
                on = self.aux_on[oid] if ocfg.keep_on_trip else False
            else:
                on = self.aux_requested[oid] or (ocfg.on_while_running and state in MOTION_STATES)
            if state == "fault" and not ocfg.keep_on_trip:
                self.aux_requested[oid] = False
            self.aux_on[oid] = on
        return self.aux_on

    def _publish(self, now: float) -> None:
        self.ticks += 1
        self.last_tick_s = now
        changes = self.alarms.take_changes()
        if changes:
            self._alarms_changed(changes)
        self._persistence(now)
        self._snapshot = self._snapshots.build()
        if now >= self._next_sample_s:
            self._next_sample_s = now + self.cfg.storage.history_period_s
            if self.sinks.on_sample:
                self._sinks_dropped(deliver(self.sinks.on_sample, self._snapshot))

    def _alarms_changed(self, changes: list[tuple[str, Alarm]]) -> None:
        for action, alarm in changes:
            self.emit("alarm", {"action": action, "alarm": alarm.to_record()})
        self._history_views = tuple(a.view() for a in self.alarms.history())
        if any(alarm.latched for _, alarm in changes):  # a trip came, was acked or was reset
            self._alarms_ticket = self.settings.save_alarms(self.alarms)

    def _persistence(self, now: float) -> None:
        """Take finished writes into the storage alarm (before this tick's snapshot), and retry
        files whose last write failed. The writes themselves run on the writer's thread."""
        settings = self.settings
        if settings.failing:
            settings.retry(self, now)
        if settings.collect():
            self._storage_alarm()

    def _storage_alarm(self) -> None:
        """DESIGN §8: a failed save is never silent. The change stays applied; a warning says
        what is not being saved until a later write of that file succeeds."""
        key, wall = (STORAGE_ALARM, "machine"), self.clock.wall()
        failing = self.settings.failing
        if not failing:
            log.info("saving works again: every data file written")
            self.external.pop(key, None)
            self.alarms.condition_gone(STORAGE_ALARM, "machine", wall)
            return
        what = "; ".join(f"{name}: {why}" for name, why in failing.items())
        message = f"Data not saved ({what}): changes apply until restart; retrying"
        log.warning("%s", message)
        cond = Condition(STORAGE_ALARM, "machine", WARNING, WARN, message)
        self.external[key] = cond
        self.alarms.raise_(STORAGE_ALARM, "machine", WARNING, message, wall)

    def emit(self, kind: str, data: dict[str, Any]) -> None:
        if self.sinks.on_event:
            self._sinks_dropped(deliver(self.sinks.on_event, Event(kind, self.clock.wall(), data)))

    def _sinks_dropped(self, dropped: list[str]) -> None:
        """A sink that raised was dropped: its data (history, metrics) no longer flows; say so."""
        if dropped:
            message = "Data sink dropped after an error: " + ", ".join(dropped)
            self.external[("sink_dropped", "machine")] = Condition(
                "sink_dropped", "machine", WARNING, WARN, message
            )

    def iso_now(self) -> str:
        return iso(self.clock.wall())

    def shutdown(self) -> None:
        """Every output off (called on exit, whatever the reason); then the alarms are saved and
        every queued write is flushed (once; later calls only switch outputs off again)."""
        self.io.all_outputs_off()
        self.settings.close(self)
        self._answers.settle(None)  # callers waiting on a flushed write hear back


@dataclass(frozen=True, slots=True)
class _External(Command):
    """Internal: an external condition (storage, disk) reported from another thread."""

    cond: Condition | None = None
    present: bool = False


class _TuneAdapter:
    """Lets a RelayAutotune stand in for the zone's PID (Controller protocol)."""

    def __init__(self, tune: RelayAutotune) -> None:
        self.tune = tune

    def update(self, now_s: float, measured_c: float, setpoint_c: float) -> float:
        return self.tune.update(now_s, measured_c)


def _safe_read(read: Callable[[], bool], failsafe: bool) -> bool:
    """A hardware read that fails returns the fail-safe value (an alarm, or a stopped chain)."""
    try:
        return bool(read())
    except Exception:
        return failsafe


def _command_args(cmd: Command) -> dict[str, Any]:
    return {k: getattr(cmd, k) for k in getattr(cmd, "__slots__", ()) if k != "actor"}
