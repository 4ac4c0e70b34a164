"""Builds the immutable Snapshot from the core's live state at the end of a tick."""

from __future__ import annotations

import operator
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
    from control.motor import Motor
    from control.sensing import SensorTrack
    from control.zone import Zone


def _same(inputs: tuple[object, ...], kept: tuple[object, ...]) -> bool:
    """True when every input is the very object it was when the kept view was built.

    Identity, not equality: an unchanged float object is an unchanged value, while a new one
    (even an equal one, or -0.0 for 0.0) rebuilds the view."""
    return all(map(operator.is_, inputs, kept))


class SnapshotBuilder:
    """Builds one Snapshot per tick for its core. Views whose inputs did not change since the last
    tick (gains, motors at rest or at speed, outputs, gate) are the same frozen objects as last
    time; sharing them between snapshots is safe because they are immutable."""

    def __init__(self, core: ControlCore) -> None:
        self.core = core
        self._gains: dict[str, PidGains] = {}
        self._motors: dict[str, tuple[tuple[object, ...], MotorView]] = {}
        self._outputs: tuple[tuple[object, ...], tuple[OutputView, ...]] | None = None
        self._gate: tuple[tuple[object, ...], GateView] | None = None

    def build(self) -> Snapshot:
        core = self.core
        now, seq, cfg = core.now_s, core.seq, core.cfg
        stale_s, band_c = cfg.safety.sensor_stale_s, cfg.sequence.band_c
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
            gate=self._gate_view(),
            zones=tuple([self._zone_view(z, now, band_c) for z in core.zones.values()]),
            sensors=tuple(
                [self._sensor_view(sid, t, now, stale_s) for sid, t in core.monitors.items()]
            ),
            motors=tuple([self._motor_view(m) for m in core.motors.values()]),
            outputs=self._output_views(),
            alarms=core.alarms.views(),
            loop=LoopView(
                tick_s=cfg.machine.tick_s,
                last_tick_age_s=0.0,
                overruns=core.overruns,
                ticks=core.ticks,
            ),
            sequence_step=seq.step_label,
            autotune=self._autotune_views(),
            estop_chain_ok=core.estop_chain_ok,
        )

    def _autotune_views(self) -> tuple[tuple[str, tuple[tuple[str, object], ...]], ...]:
        core = self.core
        if not core.autotunes:
            return ()
        return tuple((zid, tuple(core.autotune_view(zid).items())) for zid in core.autotunes)

    def _zone_view(self, zone: Zone, now: float, band_c: float) -> ZoneView:
        track, tune = zone.track, self.core.autotunes.get(zone.id)
        healthy, temp, age = zone.sensor_ok, track.temperature_c, track.age_s(now)
        return ZoneView(
            id=zone.id,
            name=zone.cfg.name,
            temperature_c=None if temp is None else round(temp, 2),
            setpoint_c=zone.setpoint_c,
            setpoint_max_c=zone.cfg.setpoint_max_c,
            duty=round(zone.duty, 4),
            heater_on=zone.heater_on,
            sensor_ok=healthy,
            fault=track.fault or (None if healthy or track.last_ok_s is None else "stale"),
            age_s=None if age is None else round(age, 3),
            at_setpoint=zone.in_band(band_c),
            pid=self._gains_view(zone),
            manual_duty=zone.manual_duty,
            autotune=tune.state if tune is not None else "idle",
        )

    def _gains_view(self, zone: Zone) -> PidGains:
        """The zone's gains, kept while they are the same float objects (see `_same`)."""
        pid, kept = zone.pid, self._gains.get(zone.id)
        if kept is None or kept.kp is not pid.kp or kept.ki is not pid.ki or kept.kd is not pid.kd:
            kept = self._gains[zone.id] = PidGains(kp=pid.kp, ki=pid.ki, kd=pid.kd)
        return kept

    def _sensor_view(self, sid: str, track: SensorTrack, now: float, stale_s: float) -> SensorView:
        scfg, temp, age = self.core.cfg.sensors[sid], track.temperature_c, track.age_s(now)
        return SensorView(
            id=sid,
            name=scfg.name,
            temperature_c=None if temp is None else round(temp, 2),
            sensor_ok=track.healthy(now, stale_s),
            age_s=None if age is None else round(age, 3),
            fault=track.fault,
            max_c=scfg.max_c,
        )

    def _motor_view(self, m: Motor) -> MotorView:
        inputs = (m.rpm, m.target_rpm, m.run_rpm, m.enabled, m.alarm)
        kept = self._motors.get(m.id)
        if kept is not None and _same(inputs, kept[0]):
            return kept[1]
        view = MotorView(
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
        self._motors[m.id] = (inputs, view)
        return view

    def _output_views(self) -> tuple[OutputView, ...]:
        aux, aux_on = self.core.cfg.outputs.aux, self.core.aux_on
        inputs = tuple(map(aux_on.__getitem__, aux))
        if self._outputs is not None and _same(inputs, self._outputs[0]):
            return self._outputs[1]
        views = tuple(OutputView(id=oid, name=o.name, on=aux_on[oid]) for oid, o in aux.items())
        self._outputs = (inputs, views)
        return views

    def _gate_view(self) -> GateView:
        seq = self.core.seq
        soak_s = seq.soak_remaining_s()
        inputs = (seq.gate_ok, soak_s, seq.blocking)
        if self._gate is not None and _same(inputs, self._gate[0]):
            return self._gate[1]
        soak_view_s = None if soak_s is None else round(soak_s, 1)
        view = GateView(ok=seq.gate_ok, soak_remaining_s=soak_view_s, blocking=seq.blocking)
        self._gate = (inputs, view)
        return view
