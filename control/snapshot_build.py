"""Captures the machine's live state at the end of a tick into the immutable Snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from control.alarms import AlarmBook
from control.autotune import RelayAutotune
from control.capture import (
    Autotunes,
    Capture,
    GateCapture,
    LoopCapture,
    MotorCapture,
    OutputCapture,
    SensorCapture,
    ZoneCapture,
)
from control.motor import Motor
from control.sensing import SensorTrack
from control.sequencer import Sequencer
from control.snapshot import Snapshot
from control.views import PidGains
from control.zone import Zone
from machine_config.config import Config


class SnapshotSource(Protocol):
    """What a snapshot is made of: the read side of the core (ControlCore implements it)."""

    cfg: Config
    seq: Sequencer
    alarms: AlarmBook

    @property
    def now_s(self) -> float: ...
    @property
    def start_s(self) -> float: ...
    @property
    def mode(self) -> str: ...
    @property
    def hmi_enabled(self) -> bool: ...
    @property
    def estop_chain_ok(self) -> bool: ...
    @property
    def ticks(self) -> int: ...
    @property
    def overruns(self) -> int: ...
    @property
    def zones(self) -> Mapping[str, Zone]: ...
    @property
    def monitors(self) -> Mapping[str, SensorTrack]: ...
    @property
    def motors(self) -> Mapping[str, Motor]: ...
    @property
    def autotunes(self) -> Mapping[str, RelayAutotune]: ...
    @property
    def aux_on(self) -> Mapping[str, bool]: ...
    def wall(self) -> float: ...
    def start_refusal(self) -> str | None: ...
    def autotune_view(self, zone_id: str) -> dict[str, Any]: ...


class SnapshotBuilder:
    """Captures one Snapshot per tick from its source: every published value, computed now, in
    named tuples (see `Capture`); the frozen views are made, and their floats rounded, only when
    read. PID gains are kept as the same PidGains while they are the very same float objects."""

    def __init__(self, source: SnapshotSource) -> None:
        self.source = source
        self._gains: dict[str, PidGains] = {}

    def build(self) -> Snapshot:
        src = self.source
        now, seq, cfg = src.now_s, src.seq, src.cfg
        stale_s, band_c = cfg.safety.sensor_stale_s, cfg.sequence.band_c
        return Snapshot(
            Capture(
                wall_s=src.wall(),
                monotonic_s=now,
                uptime_s=now - src.start_s,
                state=seq.state,
                mode=src.mode,
                hmi_enabled=src.hmi_enabled,
                start_blocked=src.start_refusal(),
                gate=GateCapture(seq.gate_ok, seq.soak_remaining_s(), seq.blocking),
                zones=tuple([self._zone(z, now, band_c) for z in src.zones.values()]),
                sensors=tuple(
                    [self._sensor(sid, t, now, stale_s) for sid, t in src.monitors.items()]
                ),
                motors=tuple([_motor(m) for m in src.motors.values()]),
                outputs=self._outputs(),
                alarms=src.alarms.views(),
                loop=LoopCapture(cfg.machine.tick_s, 0.0, src.overruns, src.ticks),
                sequence_step=seq.step_label,
                autotune=self._autotunes(),
                estop_chain_ok=src.estop_chain_ok,
            )
        )

    def _autotunes(self) -> Autotunes:
        src = self.source
        if not src.autotunes:
            return ()
        return tuple((zid, tuple(src.autotune_view(zid).items())) for zid in src.autotunes)

    def _zone(self, zone: Zone, now: float, band_c: float) -> ZoneCapture:
        track, tune = zone.track, self.source.autotunes.get(zone.id)
        healthy = zone.sensor_ok
        return ZoneCapture(
            id=zone.id,
            name=zone.cfg.name,
            temperature_c=track.temperature_c,
            setpoint_c=zone.setpoint_c,
            setpoint_max_c=zone.cfg.setpoint_max_c,
            duty=zone.duty,
            heater_on=zone.heater_on,
            sensor_ok=healthy,
            fault=track.fault or (None if healthy or track.last_ok_s is None else "stale"),
            age_s=track.age_s(now),
            at_setpoint=zone.in_band(band_c),
            pid=self._gains_view(zone),
            manual_duty=zone.manual_duty,
            autotune=tune.state if tune is not None else "idle",
        )

    def _gains_view(self, zone: Zone) -> PidGains:
        """The zone's gains, kept while they are the same float objects (an equal-but-new float,
        such as -0.0 for 0.0, makes a new PidGains)."""
        pid, kept = zone.pid, self._gains.get(zone.id)
        if kept is None or kept.kp is not pid.kp or kept.ki is not pid.ki or kept.kd is not pid.kd:
            kept = self._gains[zone.id] = PidGains(kp=pid.kp, ki=pid.ki, kd=pid.kd)
        return kept

    def _sensor(self, sid: str, track: SensorTrack, now: float, stale_s: float) -> SensorCapture:
        scfg = self.source.cfg.sensors[sid]
        return SensorCapture(
            id=sid,
            name=scfg.name,
            temperature_c=track.temperature_c,
            sensor_ok=track.healthy(now, stale_s),
            age_s=track.age_s(now),
            fault=track.fault,
            max_c=scfg.max_c,
        )

    def _outputs(self) -> tuple[OutputCapture, ...]:
        aux_on = self.source.aux_on
        return tuple(
            [
                OutputCapture(oid, o.name, aux_on[oid])
                for oid, o in self.source.cfg.outputs.aux.items()
            ]
        )


def _motor(m: Motor) -> MotorCapture:
    return MotorCapture(
        id=m.id,
        name=m.cfg.name,
        rpm=m.rpm,
        target_rpm=m.target_rpm,
        run_rpm=m.run_rpm,
        max_rpm=m.cfg.max_rpm,
        enabled=m.enabled,
        running=m.running,
        fault="driver_alarm" if m.alarm else None,
    )
