"""Builds the immutable Snapshot from the core's live state at the end of a tick."""

from __future__ import annotations

from typing import TYPE_CHECKING

from control.alarms import iso
from control.snapshot import (
    GateView,
    LoopView,
    MotorView,
    OutputView,
    PidGains,
    SensorView,
    Snapshot,
    ZoneView,
)

if TYPE_CHECKING:
    from control.core import ControlCore
    from control.zone import Zone


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _zone_view(core: ControlCore, zone: Zone) -> ZoneView:
    now, track = core.now_s, zone.track
    tune = core.autotunes.get(zone.id)
    gains = core.gains(zone.id)
    healthy = track.healthy(now, core.cfg.safety.sensor_stale_s)
    return ZoneView(
        id=zone.id,
        name=zone.cfg.name,
        temperature_c=_round(track.temperature_c),
        setpoint_c=zone.setpoint_c,
        setpoint_max_c=zone.cfg.setpoint_max_c,
        duty=round(zone.duty, 4),
        heater_on=zone.heater_on,
        sensor_ok=healthy,
        fault=track.fault or (None if healthy or track.last_ok_s is None else "stale"),
        age_s=_round(track.age_s(now), 3),
        at_setpoint=zone.in_band(core.cfg.sequence.band_c),
        pid=PidGains(**gains),
        manual_duty=zone.manual_duty,
        autotune=tune.state if tune is not None else "idle",
    )


def build_snapshot(core: ControlCore) -> Snapshot:
    now, seq, cfg = core.now_s, core.seq, core.cfg
    stale_s = cfg.safety.sensor_stale_s
    sensors = tuple(
        SensorView(
            id=sid,
            name=cfg.sensors[sid].name,
            temperature_c=_round(t.temperature_c),
            sensor_ok=t.healthy(now, stale_s),
            age_s=_round(t.age_s(now), 3),
            fault=t.fault,
            max_c=cfg.sensors[sid].max_c,
        )
        for sid, t in core.monitors.items()
    )
    motors = tuple(
        MotorView(
            id=m.id,
            name=m.cfg.name,
            rpm=round(m.rpm, 2),
            target_rpm=m.target_rpm,
            run_rpm=m.run_rpm,
            max_rpm=m.cfg.max_rpm,
            enabled=m.enabled,
            running=m.running,
            fault="driver_alarm" if m.alarm else None,
        )
        for m in core.motors.values()
    )
    outputs = tuple(
        OutputView(id=oid, name=o.name, on=core.aux_on[oid]) for oid, o in cfg.outputs.aux.items()
    )
    wall = core.clock.wall()
    return Snapshot(
        timestamp=iso(wall),
        wall_s=wall,
        monotonic_s=now,
        uptime_s=round(now - core.start_s, 3),
        state=seq.state,
        mode=core.mode,
        hmi_enabled=core.hmi_enabled,
        start_blocked=core.start_refusal(),
        gate=GateView(
            ok=seq.gate_ok,
            soak_remaining_s=_round(seq.soak_remaining_s(), 1),
            blocking=seq.blocking,
        ),
        zones=tuple(_zone_view(core, z) for z in core.zones.values()),
        sensors=sensors,
        motors=motors,
        outputs=outputs,
        alarms=core.alarms.views(),
        loop=LoopView(
            tick_s=cfg.machine.tick_s, last_tick_age_s=0.0, overruns=core.overruns, ticks=core.ticks
        ),
        sequence_step=seq.step_label,
        autotune=tuple((zid, tuple(core.autotune_view(zid).items())) for zid in core.autotunes),
        estop_chain_ok=core.estop_chain_ok,
    )
