"""The control core: the single writer that owns the subsystems and runs them tick by tick."""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from control import boot, outputs, safety
from control.alarms import TRIP, WARNING, Alarm, AlarmBook
from control.answers import Answer, Answers
from control.audit import AuditNote, record
from control.commands import Actor, Command, Start, Stop
from control.context import Context
from control.drives import Drives
from control.errors import HmiError
from control.handlers import External, dispatch
from control.heating import Heating
from control.interlocks import motion_interlock, start_refusal
from control.modes import Modes
from control.reads import safe_read
from control.safety import CAT0, WARN, Condition, SafetyInputs, Standing
from control.seq_port import MachinePort
from control.sequencer import Sequencer
from control.settings import SettingsStore, settings_data
from control.sinks import CoreSinks, Event, deliver
from control.snapshot import AlarmView, Snapshot
from control.snapshot_build import SnapshotBuilder
from control.states import HEATING_STATES, MOTION_STATES
from control.writer import PersistWriter, WriteTicket
from hw.io import MachineIO
from hw.protocols import Clock, DigitalInput
from machine_config.config import Config

__all__ = ["ControlCore", "CoreSinks", "Event"]  # CoreSinks and Event: the historian's imports
log = logging.getLogger(__name__)

REFRESH_TICKS = 20  # every output is rewritten at least this often, changed or not
CUT_CONTACTOR = frozenset({"ssr_stuck_on", *outputs.CUTS_CONTACTOR})
STORAGE_ALARM = "storage_write_failed"  # warning, source machine: data is not being saved


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
        self.cfg, self.io, self.clock = cfg, io, clock
        self.sinks = sinks or CoreSinks()
        self.heating = Heating(cfg, io)
        self.drives = Drives(cfg, io)
        self.modes = Modes(cfg.outputs.aux)
        self.alarms = AlarmBook()
        self.standing = Standing()  # conditions reported from outside the safety pass
        heat = self.heating  # its maps, and the others', for reading (the snapshot, each tick)
        self.zones, self.monitors, self.autotunes = heat.zones, heat.monitors, heat.autotunes
        self.motors, self.aux_on = self.drives.motors, self.modes.aux_on
        self.start_s = self.now_s = self.last_tick_s = clock.now()
        parts = (self.modes, self.alarms, self.heating, self.drives)
        self.seq = Sequencer(cfg.sequence, MachinePort(cfg.sequence, parts, self.wall, self.emit),
                             self.now_s)  # fmt: skip
        self.settings = SettingsStore(data_dir, cfg, writer)
        self.outputs = outputs.OutputWriter()
        self.ticks = self.overruns = 0
        self.estop_chain_ok = safe_read(io.estop_ok.read, False)
        self._audit = AuditNote()
        self._alarms_ticket: WriteTicket | None = None
        self._commands: queue.SimpleQueue[tuple[Command, Future[Any]]] = queue.SimpleQueue()
        self._stalled = threading.Event()
        self._heartbeat = False
        self._contactor_on = False
        self._answers = Answers()
        self._buttons = {"start": False, "stop": False}
        self._next_sample_s = 0.0
        self._history_views: tuple[AlarmView, ...] = ()
        self._boot()
        self._snapshots = SnapshotBuilder(self)
        self._snapshot = self._snapshots.build()

    def _boot(self) -> None:
        """Everything off; restore settings and latched trips; start idle (or fault)."""
        self.io.all_outputs_off()
        boot.restore(
            self.settings, (self.modes, self.heating, self.drives), self.alarms, self.wall()
        )
        enabled = self.modes.hmi_enabled
        self.seq.boot(enabled)
        if self.alarms.latched_trips():
            self.seq.enter("fault" if enabled else "disabled", "latched trip restored")

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

    def count_overrun(self) -> None:
        """Called by the runner (control thread) for a tick that took longer than the tick."""
        self.overruns += 1

    def report_condition(self, cond: Condition, present: bool) -> None:
        """Raise or clear an external warning (historian, disk). Thread-safe: applied next tick."""
        self.submit(External(cond=cond, present=present))

    def alarm_history(self) -> tuple[AlarmView, ...]:
        """Ended alarms, newest last (immutable; rebuilt only when alarms change)."""
        return self._history_views

    def read_errors(self) -> dict[str, int]:
        """Sensor read errors so far by zone or sensor id (counters; safe from any thread)."""
        return self.heating.read_errors()

    def last_tick_age_s(self) -> float:
        return max(0.0, self.clock.now() - self.last_tick_s)

    def wall(self) -> float:
        return self.clock.wall()

    # -- the tick -------------------------------------------------------------------------------
    def tick(self) -> None:
        """One control cycle in the order of DESIGN §4. Only the control thread calls this."""
        now = self.clock.now()
        self.now_s = now
        self._read_inputs(now)
        self._evaluate_safety(now)
        self._apply_commands(now)
        self.seq.advance(now)
        self._control(now)
        self._write_outputs(now)
        self._publish(now)
        self._answer()

    def _read_inputs(self, now: float) -> None:
        self.heating.poll(now, self.cfg.safety.sensor_stale_s)
        self.drives.read_alarms()
        self.estop_chain_ok = safe_read(self.io.estop_ok.read, False)
        self._poll_button("start", self.io.start_button, Start, failsafe=False)
        self._poll_button("stop", self.io.stop_button, Stop, failsafe=True)

    def _poll_button(
        self, name: str, button: DigitalInput | None, kind: type[Command], failsafe: bool
    ) -> None:
        """A read that fails counts as `failsafe`: never a start; for the stop, a stop."""
        if button is None:
            return
        pressed = safe_read(button.read, failsafe)
        if pressed and not self._buttons[name]:
            self.submit(kind(actor=Actor(who="panel button", role="operator", source="button")))
        self._buttons[name] = pressed

    def _evaluate_safety(self, now: float) -> None:
        stalled = self._stalled.is_set()
        if stalled:  # the watchdog wrote every output off behind our back
            self._stalled.clear()
            self.outputs.forget()
            self.drives.forget_written()
        inputs = SafetyInputs(now, self.estop_chain_ok, stalled, self.seq.state in HEATING_STATES)
        found = safety.evaluate(
            self.cfg, inputs, self.zones.values(), self.monitors, self.motors.values()
        )
        found += self.standing.values()
        if self.outputs.faults.present:  # an output whose writes fail keeps its trip present
            found += self.outputs.faults.present.values()
        self.alarms.sync(found, self.clock.wall())
        trips = [c for c in found if c.severity == TRIP] if found else []
        if trips:
            self.trip(trips)

    def trip(self, conditions: list[Condition]) -> None:
        """Latch a trip: heaters off now; category 0 cuts the motors too, else they ramp down."""
        self.heating.trip()
        cat0 = any(c.reaction == CAT0 for c in conditions)
        self.drives.trip(cat0, {c.source for c in conditions if c.code == outputs.MOTOR})
        if any(c.code in CUT_CONTACTOR for c in conditions):
            self._contactor_on = False
            outputs.attempt(self.io.heater_contactor.set, False)
        if self.seq.state not in ("fault", "disabled"):
            self.seq.enter("fault", conditions[0].message)

    def _apply_commands(self, now: float) -> None:
        """Apply queued commands; their Futures resolve only after this tick's snapshot is out,
        so whoever waits on one reads a snapshot that already shows the change."""
        while not self._commands.empty():  # only this thread takes from the queue
            cmd, fut = self._commands.get_nowait()
            if fut.set_running_or_notify_cancel():
                self._apply(cmd, fut, self._context(now))

    def _context(self, now: float) -> Context:
        return Context(
            self.cfg, self.seq, self.modes, self.alarms, self.heating, self.drives, self.standing,
            self._audit, self._save_settings, self.trip, self.clock.wall, now, self.estop_chain_ok,
            self._buttons["stop"],
        )  # fmt: skip

    def _apply(self, cmd: Command, fut: Future[Any], ctx: Context) -> None:
        """Run one command's handler, audit it, and keep its answer for the end of the tick
        (later, if it changed a file or a latched trip: then it waits for the write)."""
        before = len(self.alarms.changes)
        try:
            answer = Answer(fut, dispatch(ctx, cmd), False)
        except HmiError as err:  # refused; a reset with ack may still have acknowledged trips
            self._record(cmd, "refused", err)
            answer = Answer(fut, err, True)
        except Exception as err:  # a bug in a handler: stop safely, latch, keep ticking
            self._internal_error(cmd, err)
            answer = Answer(fut, err, True)
        else:
            self._record(cmd, "applied", None)
        answer.waits = self.settings.take_enqueued()
        answer.durable_alarms = any(a.latched for _, a in self.alarms.changes[before:])
        self._answers.add(answer)

    def _record(self, cmd: Command, result: str, err: HmiError | None) -> None:
        data = record(cmd, result, err, self._audit)
        if not isinstance(cmd, External):
            self.emit("audit", data)

    def _internal_error(self, cmd: Command, err: Exception) -> None:
        self._audit.take()
        message = f"Internal error in {type(cmd).__name__}: {type(err).__name__}"
        cond = Condition("internal_error", "machine", TRIP, CAT0, message)
        self.alarms.raise_(cond.code, cond.source, TRIP, message, self.clock.wall())
        self.trip([cond])

    def _answer(self) -> None:
        self._answers.settle(self._alarms_ticket)
        self._alarms_ticket = None

    def _save_settings(self) -> None:
        self.settings.save(settings_data(self.modes, self.heating, self.drives))

    def _control(self, now: float) -> None:
        state = self.seq.state
        heat_ok = state in HEATING_STATES and self.modes.hmi_enabled
        self.heating.regulate(now, heat_ok, self.seq.zone_heats)
        motion_state = state in MOTION_STATES or state == "fault"
        self.drives.update(now, motion_state, self._motion_ok)

    def _motion_ok(self) -> bool:
        return self.motion_interlock() is None

    # -- queries (snapshot, UI pre-checks) ------------------------------------------------------
    def gains(self, zone_id: str) -> dict[str, float]:
        return self.heating.gains(zone_id)

    def autotune_view(self, zone_id: str) -> dict[str, Any]:
        return self.heating.autotune_view(zone_id)

    def start_refusal(self) -> str | None:
        """Why START would be refused now (shown on the panel before anyone presses it)."""
        stop_held = self._buttons["stop"]  # normally closed: held, or its wire is cut
        return start_refusal(
            self.seq.state, self.modes, self.estop_chain_ok, stop_held, self.heating
        )

    def motion_interlock(self) -> str | None:
        """Why the motors may not step now, or None."""
        min_c = self.cfg.sequence.min_extrude_c
        return motion_interlock(self.modes, self.estop_chain_ok, self.heating, min_c)

    # -- outputs --------------------------------------------------------------------------------
    def _write_outputs(self, now: float) -> None:
        """Drive every output. A write that raises trips that output's zone or motor (alarm
        naming it) and sends everything else to safe through `trip`; the loop keeps ticking."""
        state = self.seq.state
        hmi_enabled = self.modes.hmi_enabled
        heat_ok = state in HEATING_STATES and hmi_enabled
        stuck = self.alarms.has_live("ssr_stuck_on") or self.alarms.has_live(outputs.HEATER)
        self._contactor_on = heat_ok and not stuck
        refresh = self.ticks % REFRESH_TICKS == 0
        out, io = self.outputs, self.io
        failed = [out.plain(outputs.CONTACTOR, "machine", "heater_contactor",
                            io.heater_contactor, self._contactor_on, refresh)]  # fmt: skip
        failed += out.zones(self.zones.values(), now, heat_ok)
        failed += out.motors(self.motors.values(), hmi_enabled, refresh)
        for oid, on in self.modes.levels(state, self.cfg.outputs.aux).items():
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

    # -- publishing -----------------------------------------------------------------------------
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
            settings.retry(
                now,
                lambda: settings_data(self.modes, self.heating, self.drives),
                self.alarms.to_records,
            )
        if settings.collect():
            self._storage_alarm()

    def _storage_alarm(self) -> None:
        """DESIGN §8: a failed save is never silent. The change stays applied; a warning says
        what is not being saved until a later write of that file succeeds."""
        wall = self.clock.wall()
        failing = self.settings.failing
        if not failing:
            log.info("saving works again: every data file written")
            self.standing.withdraw(STORAGE_ALARM, "machine")
            self.alarms.condition_gone(STORAGE_ALARM, "machine", wall)
            return
        what = "; ".join(f"{name}: {why}" for name, why in failing.items())
        message = f"Data not saved ({what}): changes apply until restart; retrying"
        log.warning("%s", message)
        self.standing.set(Condition(STORAGE_ALARM, "machine", WARNING, WARN, message), True)
        self.alarms.raise_(STORAGE_ALARM, "machine", WARNING, message, wall)

    def emit(self, kind: str, data: dict[str, Any]) -> None:
        if self.sinks.on_event:
            self._sinks_dropped(deliver(self.sinks.on_event, Event(kind, self.clock.wall(), data)))

    def _sinks_dropped(self, dropped: list[str]) -> None:
        """A sink that raised was dropped: its data (history, metrics) no longer flows; say so."""
        if dropped:
            message = "Data sink dropped after an error: " + ", ".join(dropped)
            cond = Condition("sink_dropped", "machine", WARNING, WARN, message)
            self.standing.set(cond, True)

    def shutdown(self) -> None:
        """Every output off (called on exit, whatever the reason); then the alarms are saved and
        every queued write is flushed (once; later calls only switch outputs off again)."""
        self.io.all_outputs_off()
        self.settings.close(self.alarms)
        self._answers.settle(None)  # callers waiting on a flushed write hear back
