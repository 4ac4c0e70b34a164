"""Command handlers: validate against live state (404 → 422 → 423 → 409 order), then apply."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from control import commands as c
from control import limits
from control.alarms import TRIP
from control.autotune import RelayAutotune
from control.errors import HmiDisabled, InvalidField, NotFound, StateConflict

if TYPE_CHECKING:
    from control.core import ControlCore

Handler = Callable[["ControlCore", Any], Any]
SHELVE_MAX_S = limits.SHELVE_S.hi
JOG_MAX_S = limits.JOG_S.hi
TUNE_STATES = ("idle", "heating", "ready")


# -- shared checks ------------------------------------------------------------------------------
def number(field: str, value: Any, lo: float, hi: float) -> float:
    """A finite number within [lo, hi] (bools are not numbers), else InvalidField naming it.
    -0.0 comes back as 0.0 (adding +0.0 changes no other value)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
        raise InvalidField(field, f"{field} must be a finite number", lo, hi)
    if not lo <= value <= hi:
        raise InvalidField(field, f"{field} must be between {lo:g} and {hi:g}", lo, hi)
    return float(value) + 0.0


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def flag(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidField(field, f"{field} must be true or false")
    return value


def zone_of(core: ControlCore, zone_id: str) -> Any:
    if zone_id not in core.zones:
        raise NotFound(f"no zone '{zone_id}'", zone=zone_id)
    return core.zones[zone_id]


def motor_of(core: ControlCore, motor_id: str) -> Any:
    if motor_id not in core.motors:
        raise NotFound(f"no motor '{motor_id}'", motor=motor_id)
    return core.motors[motor_id]


def enabled(core: ControlCore) -> None:
    if not core.hmi_enabled:
        raise HmiDisabled("the HMI is disabled: the machine is under its legacy panel")


def not_tripped(core: ControlCore) -> None:
    if core.seq.state == "fault":
        raise StateConflict("a trip is active: acknowledge and reset first")


def state_result(core: ControlCore) -> dict[str, Any]:
    return {"state": core.seq.state, "mode": core.mode}


# -- machine ------------------------------------------------------------------------------------
def start(core: ControlCore, cmd: c.Start) -> dict[str, Any]:
    enabled(core)
    reason = core.start_refusal()
    if reason is not None:
        raise StateConflict(f"start refused: {reason}")
    core.seq.begin_heat("running")
    return state_result(core)


def preheat(core: ControlCore, cmd: c.Preheat) -> dict[str, Any]:
    enabled(core)
    not_tripped(core)
    if core.mode != "auto":
        raise StateConflict("preheat refused: manual mode")
    if core.seq.state in ("starting", "running", "stopping"):
        raise StateConflict(f"preheat refused: machine is {core.seq.state}")
    core.seq.begin_heat("ready")
    return state_result(core)


def stop(core: ControlCore, cmd: c.Stop) -> dict[str, Any]:
    for tune in core.autotunes.values():
        tune.abort()
    for zone in core.zones.values():
        zone.manual_duty = None
    for motor in core.motors.values():
        if motor.jog_until_s is not None:
            motor.jog_until_s = None
            motor.command(0.0)
    core.seq.begin_stop("stop requested")
    return state_result(core)


def estop(core: ControlCore, cmd: c.EStop) -> dict[str, Any]:
    from control.safety import CAT0, Condition

    cond = Condition("estop", "machine", TRIP, CAT0, f"Emergency stop ({cmd.actor.source})")
    wall = core.clock.wall()
    core.alarms.raise_(cond.code, cond.source, TRIP, cond.message, wall)
    core.alarms.condition_gone(cond.code, cond.source, wall)  # a momentary cause; the trip latches
    core.trip([cond])
    for motor in core.motors.values():
        motor.force_off()
    return state_result(core)


def reset(core: ControlCore, cmd: c.Reset) -> dict[str, Any]:
    ack = flag("ack", cmd.ack)
    if core.seq.state != "fault" and not core.alarms.latched_trips():
        raise StateConflict("nothing to reset: no trip is latched")
    if ack:
        for alarm in core.alarms.latched_trips():
            core.alarms.ack(alarm.id, core.clock.wall())
    causes = [
        {"code": a.code, "source": a.source, "reason": "present" if a.active else "unacknowledged"}
        for a in core.alarms.latched_trips()
        if a.active or a.acked_at is None
    ]
    if causes:
        raise StateConflict(
            "reset refused while a cause is present or unacknowledged", causes=causes
        )
    core.alarms.reset_latched(core.clock.wall())
    core.aux_requested = dict.fromkeys(core.aux_requested, False)
    if core.seq.state == "fault":
        core.seq.enter("idle", "reset")
    return state_result(core)


def set_mode(core: ControlCore, cmd: c.SetMode) -> dict[str, Any]:
    if cmd.mode not in ("auto", "manual"):
        raise InvalidField("mode", "mode must be 'auto' or 'manual'")
    enabled(core)
    not_tripped(core)
    if core.seq.state not in TUNE_STATES or core.autotunes_running() or core.jogging():
        raise StateConflict("mode can change only while stopped (idle, heating or ready)")
    core.note_change(core.mode, cmd.mode)
    if cmd.mode != core.mode:
        core.mode = cmd.mode
        for zone in core.zones.values():
            zone.manual_duty = None  # never carry a stale duty across a mode switch
        core.seq.enter("idle", f"{cmd.mode} mode")
    return state_result(core)


# -- zones --------------------------------------------------------------------------------------
def set_setpoint(core: ControlCore, cmd: c.SetSetpoint) -> dict[str, Any]:
    zone = zone_of(core, cmd.zone)
    value = number("setpoint_c", cmd.setpoint_c, *limits.setpoint_c(zone.cfg))
    enabled(core)
    core.note_change(zone.setpoint_c, value)
    zone.setpoint_c = value
    core.settings.save(core)
    return {"zone": zone.id, "setpoint_c": value}


def set_pid(core: ControlCore, cmd: c.SetPid) -> dict[str, Any]:
    zone = zone_of(core, cmd.zone)
    kp = number("kp", cmd.kp, *limits.PID_GAINS["kp"])
    ki = number("ki", cmd.ki, *limits.PID_GAINS["ki"])
    kd = number("kd", cmd.kd, *limits.PID_GAINS["kd"])
    enabled(core)
    core.note_change(core.gains(zone.id), {"kp": kp, "ki": ki, "kd": kd})
    zone.pid.set_gains(kp, ki, kd)
    core.settings.save(core)
    return {"zone": zone.id, "pid": {"kp": kp, "ki": ki, "kd": kd}}


def set_manual_duty(core: ControlCore, cmd: c.SetManualDuty) -> dict[str, Any]:
    zone = zone_of(core, cmd.zone)
    duty = number("duty", cmd.duty, *limits.DUTY)
    enabled(core)
    not_tripped(core)
    if core.mode != "manual":
        raise StateConflict("manual duty needs manual mode")
    if not core.zone_healthy(zone):
        raise StateConflict(f"{zone.cfg.name} sensor is not healthy")
    core.note_change(zone.manual_duty, duty)
    zone.manual_duty = duty
    if core.seq.state == "idle":
        core.seq.enter("heating", "manual heat")
    return {"zone": zone.id, "duty": duty}


def start_autotune(core: ControlCore, cmd: c.StartAutotune) -> dict[str, Any]:
    zone = zone_of(core, cmd.zone)
    target = number("setpoint_c", cmd.setpoint_c, *limits.setpoint_c(zone.cfg))
    enabled(core)
    not_tripped(core)
    if core.mode != "auto":
        raise StateConflict("autotune needs auto mode")
    if core.seq.state not in TUNE_STATES:
        raise StateConflict(f"autotune refused: machine is {core.seq.state}")
    existing = core.autotunes.get(zone.id)
    if existing is not None and existing.state == "running":
        raise StateConflict(f"autotune already running on {zone.cfg.name}")
    if not core.zone_healthy(zone):
        raise StateConflict(f"{zone.cfg.name} sensor is not healthy")
    limit = min(zone.cfg.trip_max_c - 5.0, target + 25.0)
    core.autotunes[zone.id] = RelayAutotune(target, limit_c=limit)
    if core.seq.state == "idle":
        core.seq.enter("heating", f"autotune {zone.id}")
    return core.autotune_view(zone.id)


def abort_autotune(core: ControlCore, cmd: c.AbortAutotune) -> dict[str, Any]:
    zone = zone_of(core, cmd.zone)
    tune = core.autotunes.get(zone.id)
    if tune is None or tune.state != "running":
        raise StateConflict(f"no autotune running on {zone.cfg.name}")
    tune.abort()
    return core.autotune_view(zone.id)


def apply_autotune(core: ControlCore, cmd: c.ApplyAutotune) -> dict[str, Any]:
    zone = zone_of(core, cmd.zone)
    enabled(core)
    tune = core.autotunes.get(zone.id)
    if tune is None or tune.state != "done":
        raise StateConflict(f"no finished autotune result for {zone.cfg.name}")
    result = tune.result()
    core.note_change(core.gains(zone.id), {k: result[k] for k in ("kp", "ki", "kd")})
    zone.pid.set_gains(result["kp"], result["ki"], result["kd"])
    if not zone.regulating:  # start the next heat-up from the holding duty the tune measured
        zone.pid.reset()
        zone.pid.preload(result["hold_duty"])
    core.settings.save(core)
    return {"zone": zone.id, "pid": core.gains(zone.id)}


# -- motors and outputs -------------------------------------------------------------------------
def set_run_rpm(core: ControlCore, cmd: c.SetRunRpm) -> dict[str, Any]:
    motor = motor_of(core, cmd.motor)
    rpm = number("rpm", cmd.rpm, *limits.run_rpm(motor.cfg))
    enabled(core)
    core.note_change(motor.run_rpm, rpm)
    motor.run_rpm = rpm
    if core.seq.state == "running" or (core.seq.state == "starting" and motor.target_rpm > 0):
        motor.command(rpm)
    core.settings.save(core)
    return {"motor": motor.id, "run_rpm": rpm}


def jog(core: ControlCore, cmd: c.Jog) -> dict[str, Any]:
    motor = motor_of(core, cmd.motor)
    rpm = number("rpm", cmd.rpm, *limits.jog_rpm(motor.cfg))
    duration = number("duration_s", cmd.duration_s, *limits.JOG_S)
    enabled(core)
    not_tripped(core)
    if core.mode != "manual":
        raise StateConflict("jog needs manual mode")
    if motor.alarm:
        raise StateConflict(f"{motor.cfg.name} driver is in alarm")
    interlock = core.motion_interlock()
    if interlock is not None:
        raise StateConflict(f"jog refused: {interlock}")
    if motor.running and (rpm >= 0) != motor.forward:
        raise StateConflict("jog refused: motor is turning the other way")
    motor.command(abs(rpm), forward=rpm >= 0)
    motor.jog_until_s = core.now_s + duration
    return {"motor": motor.id, "rpm": rpm, "duration_s": duration}


def set_output(core: ControlCore, cmd: c.SetOutput) -> dict[str, Any]:
    if cmd.output not in core.aux_requested:
        raise NotFound(f"no auxiliary output '{cmd.output}'", output=cmd.output)
    on = flag("on", cmd.on)
    enabled(core)
    if on and core.seq.state == "fault":
        raise StateConflict("outputs cannot be switched on while a trip is active")
    core.note_change(core.aux_requested[cmd.output], on)
    core.aux_requested[cmd.output] = on
    return {"output": cmd.output, "on": on}


# -- alarms and settings ------------------------------------------------------------------------
def ack_alarm(core: ControlCore, cmd: c.AckAlarm) -> dict[str, Any]:
    alarm = core.alarms.ack(cmd.alarm_id, core.clock.wall())
    return {"alarm": _alarm_dict(alarm.view())}


def ack_all(core: ControlCore, cmd: c.AckAll) -> dict[str, Any]:
    count = core.alarms.ack_all(core.clock.wall())
    return {"acked": count}


def shelve(core: ControlCore, cmd: c.ShelveAlarm) -> dict[str, Any]:
    if cmd.alarm_id not in {a.id for a in core.alarms.live()}:
        raise NotFound(f"no active alarm {cmd.alarm_id}", alarm_id=cmd.alarm_id)
    duration = number("duration_s", cmd.duration_s, *limits.SHELVE_S)
    wall = core.clock.wall()
    alarm = core.alarms.shelve(cmd.alarm_id, wall + duration, SHELVE_MAX_S, wall)
    return {"alarm": _alarm_dict(alarm.view())}


def set_hmi_enabled(core: ControlCore, cmd: c.SetHmiEnabled) -> dict[str, Any]:
    value = flag("hmi_enabled", cmd.enabled)
    if not value and core.seq.state in ("starting", "running", "stopping"):
        raise StateConflict("stop the machine before handing it to the legacy panel")
    core.note_change(core.hmi_enabled, value)
    core.hmi_enabled = value
    if not value:
        for tune in core.autotunes.values():
            tune.abort()
        for zone in core.zones.values():
            zone.manual_duty = None
            zone.force_off()
        core.aux_requested = dict.fromkeys(core.aux_requested, False)
        core.seq.enter("disabled", "HMI disabled")
    core.settings.save(core)
    return {"hmi_enabled": value}


def external(core: ControlCore, cmd: Any) -> None:
    key = (cmd.cond.code, cmd.cond.source)
    if cmd.present:
        core.external[key] = cmd.cond
    else:
        core.external.pop(key, None)


def _alarm_dict(view: Any) -> dict[str, Any]:
    from dataclasses import asdict

    out = asdict(view)
    out["state"] = view.state
    return out


HANDLERS: dict[type, Handler] = {
    c.Start: start,
    c.Preheat: preheat,
    c.Stop: stop,
    c.EStop: estop,
    c.Reset: reset,
    c.SetMode: set_mode,
    c.SetSetpoint: set_setpoint,
    c.SetPid: set_pid,
    c.SetManualDuty: set_manual_duty,
    c.StartAutotune: start_autotune,
    c.AbortAutotune: abort_autotune,
    c.ApplyAutotune: apply_autotune,
    c.SetRunRpm: set_run_rpm,
    c.Jog: jog,
    c.SetOutput: set_output,
    c.AckAlarm: ack_alarm,
    c.AckAll: ack_all,
    c.ShelveAlarm: shelve,
    c.SetHmiEnabled: set_hmi_enabled,
}


def dispatch(core: ControlCore, cmd: c.Command) -> Any:
    """Apply one command in the control thread; raises an HmiError if refused."""
    from control.core import _External

    if isinstance(cmd, _External):
        return external(core, cmd)
    return HANDLERS[type(cmd)](core, cmd)
