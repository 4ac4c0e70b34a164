"""Captures the core's live state at the end of a tick into the immutable Snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from control.snapshot import (
    Autotunes,
    Capture,
    MotorValues,
    OutputValues,
    PidGains,
    SensorValues,
    Snapshot,
    ZoneValues,
)

if TYPE_CHECKING:
    from control.core import ControlCore
    from control.motor import Motor
    from control.sensing import SensorTrack
    from control.zone import Zone


class SnapshotBuilder:
    """Captures one Snapshot per tick for its core: every published value, computed now, in plain
    tuples (see `Capture`); the frozen views are made, and their floats rounded, only when read.
    PID gains are kept as the same PidGains while they are the very same float objects."""

    def __init__(self, core: ControlCore) -> None:
        self.core = core
        self._gains: dict[str, PidGains] = {}

    def build(self) -> Snapshot:
        core = self.core
        now, seq, cfg = core.now_s, core.seq, core.cfg
        stale_s, band_c = cfg.safety.sensor_stale_s, cfg.sequence.band_c
        return Snapshot(
            Capture(
                wall_s=core.clock.wall(),
                monotonic_s=now,
                uptime_s=now - core.start_s,
                state=seq.state,
                mode=core.mode,
                hmi_enabled=core.hmi_enabled,
                start_blocked=core.start_refusal(),
                gate=(seq.gate_ok, seq.soak_remaining_s(), seq.blocking),
                zones=tuple([self._zone(z, now, band_c) for z in core.zones.values()]),
                sensors=tuple(
                    [self._sensor(sid, t, now, stale_s) for sid, t in core.monitors.items()]
                ),
                motors=tuple([_motor(m) for m in core.motors.values()]),
                outputs=self._outputs(),
                alarms=core.alarms.views(),
                loop=(cfg.machine.tick_s, 0.0, core.overruns, core.ticks),
                sequence_step=seq.step_label,
                autotune=self._autotunes(),
                estop_chain_ok=core.estop_chain_ok,
            )
        )

    def _autotunes(self) -> Autotunes:
        core = self.core
        if not core.autotunes:
            return ()
        return tuple((zid, tuple(core.autotune_view(zid).items())) for zid in core.autotunes)

    def _zone(self, zone: Zone, now: float, band_c: float) -> ZoneValues:
        """The ZoneView fields, in order, unrounded."""
        track, tune = zone.track, self.core.autotunes.get(zone.id)
        healthy = zone.sensor_ok
        return (
            zone.id,
            zone.cfg.name,
            track.temperature_c,
            zone.setpoint_c,
            zone.cfg.setpoint_max_c,
            zone.duty,
            zone.heater_on,
            healthy,  # sensor_ok
            track.fault or (None if healthy or track.last_ok_s is None else "stale"),
            track.age_s(now),
            zone.in_band(band_c),  # at_setpoint
            self._gains_view(zone),
            zone.manual_duty,
            tune.state if tune is not None else "idle",  # autotune
        )

    def _gains_view(self, zone: Zone) -> PidGains:
        """The zone's gains, kept while they are the same float objects (an equal-but-new float,
        such as -0.0 for 0.0, makes a new PidGains)."""
        pid, kept = zone.pid, self._gains.get(zone.id)
        if kept is None or kept.kp is not pid.kp or kept.ki is not pid.ki or kept.kd is not pid.kd:
            kept = self._gains[zone.id] = PidGains(kp=pid.kp, ki=pid.ki, kd=pid.kd)
        return kept

    def _sensor(self, sid: str, track: SensorTrack, now: float, stale_s: float) -> SensorValues:
        """The SensorView fields, in order, unrounded."""
        scfg = self.core.cfg.sensors[sid]
        return (
            sid,
            scfg.name,
            track.temperature_c,
            track.healthy(now, stale_s),  # sensor_ok
            track.age_s(now),
            track.fault,
            scfg.max_c,
        )

    def _outputs(self) -> tuple[OutputValues, ...]:
        """The OutputView fields of every aux output, in order."""
        aux_on = self.core.aux_on
        return tuple([(oid, o.name, aux_on[oid]) for oid, o in self.core.cfg.outputs.aux.items()])


def _motor(m: Motor) -> MotorValues:
    """The MotorView fields, in order, unrounded."""
    return (
        m.id,
        m.cfg.name,
        m.rpm,
        m.target_rpm,
        m.run_rpm,
        m.cfg.max_rpm,
        m.enabled,
        m.running,
        "driver_alarm" if m.alarm else None,  # fault
    )
