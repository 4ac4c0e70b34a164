"""Command handlers: validate against live state (404 → 422 → 423 → 409 order), then apply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from control import commands as c
from control import limits
from control.alarms import TRIP
from control.checks import flag, number
from control.context import Context
from control.errors import HmiDisabled, InvalidField, NotFound, StateConflict
from control.motor import Motor
from control.safety import CAT0, Condition
from control.snapshot import AlarmView
from control.states import STOPPED_STATES
from control.zone import Zone

__all__ = ["HANDLERS", "Context", "External", "dispatch", "flag", "number"]

Handler = Callable[[Context, Any], Any]
SHELVE_MAX_S = limits.SHELVE_S.hi
MOVING = ("starting", "running", "stopping")


@dataclass(frozen=True, slots=True)
class External(c.Command):
    """Internal: an external condition (storage, disk) reported from another thread."""

    cond: Condition | None = None
    present: bool = False


# -- shared checks ------------------------------------------------------------------------------
def zone_of(ctx: Context, zone_id: str) -> Zone:
    zone = ctx.heating.zones.get(zone_id)
    if zone is None:
        raise NotFound(f"no zone '{zone_id}'", zone=zone_id)
    return zone


def motor_of(ctx: Context, motor_id: str) -> Motor:
    motor = ctx.drives.motors.get(motor_id)
    if motor is None:
        raise NotFound(f"no motor '{motor_id}'", motor=motor_id)
    return motor


def enabled(ctx: Context) -> None:
    if not ctx.modes.hmi_enabled:
        raise HmiDisabled("the HMI is disabled: the machine is under its legacy panel")


def not_tripped(ctx: Context) -> None:
    if ctx.seq.state == "fault":
        raise StateConflict("a trip is active: acknowledge and reset first")


def state_result(ctx: Context) -> dict[str, Any]:
    return {"state": ctx.seq.state, "mode": ctx.modes.mode}


# -- machine ------------------------------------------------------------------------------------
def start(ctx: Context, cmd: c.Start) -> dict[str, Any]:
    enabled(ctx)
    reason = ctx.start_refusal()
    if reason is not None:
        raise StateConflict(f"start refused: {reason}")
    ctx.seq.begin_heat("running")
    return state_result(ctx)


def preheat(ctx: Context, cmd: c.Preheat) -> dict[str, Any]:
    enabled(ctx)
    not_tripped(ctx)
    if ctx.modes.mode != "auto":
        raise StateConflict("preheat refused: manual mode")
    if ctx.seq.state in MOVING:
        raise StateConflict(f"preheat refused: machine is {ctx.seq.state}")
    ctx.seq.begin_heat("ready")
    return state_result(ctx)


def stop(ctx: Context, cmd: c.Stop) -> dict[str, Any]:
    ctx.heating.abort_tunes()
    ctx.heating.clear_manual()
    ctx.drives.end_jogs()
    ctx.seq.begin_stop("stop requested", ctx.now_s)
    return state_result(ctx)


def estop(ctx: Context, cmd: c.EStop) -> dict[str, Any]:
    cond = Condition("estop", "machine", TRIP, CAT0, f"Emergency stop ({cmd.actor.source})")
    wall = ctx.wall()
    ctx.alarms.raise_(cond.code, cond.source, TRIP, cond.message, wall)
    ctx.alarms.condition_gone(cond.code, cond.source, wall)  # a momentary cause; the trip latches
    ctx.trip([cond])
    ctx.drives.force_off()
    return state_result(ctx)


def reset(ctx: Context, cmd: c.Reset) -> dict[str, Any]:
    ack = flag("ack", cmd.ack)
    alarms = ctx.alarms
    if ctx.seq.state != "fault" and not alarms.latched_trips():
        raise StateConflict("nothing to reset: no trip is latched")
    if ack:
        for alarm in alarms.latched_trips():
            alarms.ack(alarm.id, ctx.wall())
    causes = [
        {"code": a.code, "source": a.source, "reason": "present" if a.active else "unacknowledged"}
        for a in alarms.latched_trips()
        if a.active or a.acked_at is None
    ]
    if causes:
        raise StateConflict(
            "reset refused while a cause is present or unacknowledged", causes=causes
        )
    alarms.reset_latched(ctx.wall())
    ctx.modes.drop_requests()
    if ctx.seq.state == "fault":
        ctx.seq.enter("idle", "reset")
    return state_result(ctx)


def set_mode(ctx: Context, cmd: c.SetMode) -> dict[str, Any]:
    if cmd.mode not in ("auto", "manual"):
        raise InvalidField("mode", "mode must be 'auto' or 'manual'")
    enabled(ctx)
    not_tripped(ctx)
    busy = ctx.heating.tunes_running() or ctx.drives.jogging()
    if ctx.seq.state not in STOPPED_STATES or busy:
        raise StateConflict("mode can change only while stopped (idle, heating or ready)")
    ctx.audit.change(ctx.modes.mode, cmd.mode)
    if cmd.mode != ctx.modes.mode:
        ctx.modes.set_mode(cmd.mode)
        ctx.heating.clear_manual()  # never carry a stale duty across a mode switch
        ctx.seq.enter("idle", f"{cmd.mode} mode")
    return state_result(ctx)


def set_hmi_enabled(ctx: Context, cmd: c.SetHmiEnabled) -> dict[str, Any]:
    value = flag("hmi_enabled", cmd.enabled)
    if not value and ctx.seq.state in MOVING:
        raise StateConflict("stop the machine before handing it to the legacy panel")
    ctx.audit.change(ctx.modes.hmi_enabled, value)
    ctx.modes.set_hmi_enabled(value)
    if not value:
        ctx.heating.disable()
        ctx.modes.drop_requests()
        ctx.seq.enter("disabled", "HMI disabled")
    ctx.save_settings()
    return {"hmi_enabled": value}


# -- zones --------------------------------------------------------------------------------------
def set_setpoint(ctx: Context, cmd: c.SetSetpoint) -> dict[str, Any]:
    zone = zone_of(ctx, cmd.zone)
    value = number("setpoint_c", cmd.setpoint_c, *limits.setpoint_c(zone.cfg))
    enabled(ctx)
    ctx.audit.change(zone.setpoint_c, value)
    zone.set_setpoint(value)
    ctx.save_settings()
    return {"zone": zone.id, "setpoint_c": value}


def set_pid(ctx: Context, cmd: c.SetPid) -> dict[str, Any]:
    zone = zone_of(ctx, cmd.zone)
    kp = number("kp", cmd.kp, *limits.PID_GAINS["kp"])
    ki = number("ki", cmd.ki, *limits.PID_GAINS["ki"])
    kd = number("kd", cmd.kd, *limits.PID_GAINS["kd"])
    enabled(ctx)
    ctx.audit.change(ctx.heating.gains(zone.id), {"kp": kp, "ki": ki, "kd": kd})
    zone.pid.set_gains(kp, ki, kd)
    ctx.save_settings()
    return {"zone": zone.id, "pid": {"kp": kp, "ki": ki, "kd": kd}}


def set_manual_duty(ctx: Context, cmd: c.SetManualDuty) -> dict[str, Any]:
    zone = zone_of(ctx, cmd.zone)
    duty = number("duty", cmd.duty, *limits.DUTY)
    enabled(ctx)
    not_tripped(ctx)
    if ctx.modes.mode != "manual":
        raise StateConflict("manual duty needs manual mode")
    if not zone.sensor_ok:
        raise StateConflict(f"{zone.cfg.name} sensor is not healthy")
    ctx.audit.change(zone.manual_duty, duty)
    zone.set_manual(duty)
    if ctx.seq.state == "idle":
        ctx.seq.enter("heating", "manual heat")
    return {"zone": zone.id, "duty": duty}


def start_autotune(ctx: Context, cmd: c.StartAutotune) -> dict[str, Any]:
    zone = zone_of(ctx, cmd.zone)
    target = number("setpoint_c", cmd.setpoint_c, *limits.setpoint_c(zone.cfg))
    enabled(ctx)
    not_tripped(ctx)
    if ctx.modes.mode != "auto":
        raise StateConflict("autotune needs auto mode")
    if ctx.seq.state not in STOPPED_STATES:
        raise StateConflict(f"autotune refused: machine is {ctx.seq.state}")
    if ctx.heating.tune_running(zone.id):
        raise StateConflict(f"autotune already running on {zone.cfg.name}")
    if not zone.sensor_ok:
        raise StateConflict(f"{zone.cfg.name} sensor is not healthy")
    ctx.heating.start_tune(zone.id, target)
    if ctx.seq.state == "idle":
        ctx.seq.enter("heating", f"autotune {zone.id}")
    return ctx.heating.autotune_view(zone.id)


def abort_autotune(ctx: Context, cmd: c.AbortAutotune) -> dict[str, Any]:
    zone = zone_of(ctx, cmd.zone)
    tune = ctx.heating.autotunes.get(zone.id)
    if tune is None or tune.state != "running":
        raise StateConflict(f"no autotune running on {zone.cfg.name}")
    tune.abort()
    return ctx.heating.autotune_view(zone.id)


def apply_autotune(ctx: Context, cmd: c.ApplyAutotune) -> dict[str, Any]:
    zone = zone_of(ctx, cmd.zone)
    enabled(ctx)
    tune = ctx.heating.autotunes.get(zone.id)
    if tune is None or tune.state != "done":
        raise StateConflict(f"no finished autotune result for {zone.cfg.name}")
    result = tune.result()
    ctx.audit.change(ctx.heating.gains(zone.id), {k: result[k] for k in ("kp", "ki", "kd")})
    zone.pid.set_gains(result["kp"], result["ki"], result["kd"])
    if not zone.regulating:  # start the next heat-up from the holding duty the tune measured
        zone.pid.reset()
        zone.pid.preload(result["hold_duty"])
    ctx.save_settings()
    return {"zone": zone.id, "pid": ctx.heating.gains(zone.id)}


# -- motors and outputs -------------------------------------------------------------------------
def set_run_rpm(ctx: Context, cmd: c.SetRunRpm) -> dict[str, Any]:
    motor = motor_of(ctx, cmd.motor)
    rpm = number("rpm", cmd.rpm, *limits.run_rpm(motor.cfg))
    enabled(ctx)
    ctx.audit.change(motor.run_rpm, rpm)
    motor.set_run_rpm(rpm)
    state = ctx.seq.state
    if state == "running" or (state == "starting" and motor.target_rpm > 0):
        motor.command(rpm)
    ctx.save_settings()
    return {"motor": motor.id, "run_rpm": rpm}


def jog(ctx: Context, cmd: c.Jog) -> dict[str, Any]:
    motor = motor_of(ctx, cmd.motor)
    rpm = number("rpm", cmd.rpm, *limits.jog_rpm(motor.cfg))
    duration = number("duration_s", cmd.duration_s, *limits.JOG_S)
    enabled(ctx)
    not_tripped(ctx)
    if ctx.modes.mode != "manual":
        raise StateConflict("jog needs manual mode")
    if motor.alarm:
        raise StateConflict(f"{motor.cfg.name} driver is in alarm")
    interlock = ctx.motion_interlock()
    if interlock is not None:
        raise StateConflict(f"jog refused: {interlock}")
    if motor.running and (rpm >= 0) != motor.forward:
        raise StateConflict("jog refused: motor is turning the other way")
    motor.jog(rpm, ctx.now_s + duration)
    return {"motor": motor.id, "rpm": rpm, "duration_s": duration}


def set_output(ctx: Context, cmd: c.SetOutput) -> dict[str, Any]:
    if not ctx.modes.has_output(cmd.output):
        raise NotFound(f"no auxiliary output '{cmd.output}'", output=cmd.output)
    on = flag("on", cmd.on)
    enabled(ctx)
    if on and ctx.seq.state == "fault":
        raise StateConflict("outputs cannot be switched on while a trip is active")
    ctx.audit.change(ctx.modes.requested(cmd.output), on)
    ctx.modes.request(cmd.output, on)
    return {"output": cmd.output, "on": on}


# -- alarms -------------------------------------------------------------------------------------
def ack_alarm(ctx: Context, cmd: c.AckAlarm) -> dict[str, Any]:
    alarm = ctx.alarms.ack(cmd.alarm_id, ctx.wall())
    return {"alarm": _alarm_dict(alarm.view())}


def ack_all(ctx: Context, cmd: c.AckAll) -> dict[str, Any]:
    return {"acked": ctx.alarms.ack_all(ctx.wall())}


def shelve(ctx: Context, cmd: c.ShelveAlarm) -> dict[str, Any]:
    if cmd.alarm_id not in {a.id for a in ctx.alarms.live()}:
        raise NotFound(f"no active alarm {cmd.alarm_id}", alarm_id=cmd.alarm_id)
    duration = number("duration_s", cmd.duration_s, *limits.SHELVE_S)
    wall = ctx.wall()
    alarm = ctx.alarms.shelve(cmd.alarm_id, wall + duration, SHELVE_MAX_S, wall)
    return {"alarm": _alarm_dict(alarm.view())}


def external(ctx: Context, cmd: External) -> None:
    if cmd.cond is not None:
        ctx.standing.set(cmd.cond, cmd.present)


def _alarm_dict(view: AlarmView) -> dict[str, Any]:
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
    External: external,
}


def dispatch(ctx: Context, cmd: c.Command) -> Any:
    """Apply one command in the control thread; raises an HmiError if refused."""
    return HANDLERS[type(cmd)](ctx, cmd)
