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
from control.modes import Modes
from control.motor import Motor
from control.sensing import SensorTrack
from control.sequencer import Sequencer
from control.snapshot import Snapshot
from control.views import PidGains
from control.zone import Zone
from hw.protocols import Clock
from machine_config.config import Config, MonitorSensorConfig


class SnapshotSource(Protocol):
    """What a snapshot is made of: the read side of the core (ControlCore implements it)."""

    cfg: Config
    clock: Clock
    seq: Sequencer
    alarms: AlarmBook
    modes: Modes

    @property
    def now_s(self) -> float: ...
    @property
    def start_s(self) -> float: ...
    @property
    def estop_chain_ok(self) -> bool: ...
    @property
    def ticks(self) -> int: ...
    @property
    def overruns(self) -> int: ...

    zones: Mapping[str, Zone]
    monitors: Mapping[str, SensorTrack]
    motors: Mapping[str, Motor]
    autotunes: Mapping[str, RelayAutotune]
    aux_on: Mapping[str, bool]

    def start_refusal(self) -> str | None: ...
    def autotune_view(self, zone_id: str) -> dict[str, Any]: ...


class SnapshotBuilder:
    """Captures one Snapshot per tick from its source: every published value, computed now, in
    named tuples (see `Capture`); the frozen views are made, and their floats rounded, only when
    read. PID gains are kept as the same PidGains while they are the very same float objects,
    and the aux outputs' captures while no level changed."""

    def __init__(self, source: SnapshotSource) -> None:
        self.source = source
        self._gains: dict[str, PidGains] = {}
        # The configuration is fixed for the source's life: what build needs of it is read once.
        cfg = source.cfg
        self._tick_s = cfg.machine.tick_s
        self._stale_s, self._band_c = cfg.safety.sensor_stale_s, cfg.sequence.band_c
        self._sensors = tuple(
            (sid, track, cfg.sensors[sid]) for sid, track in source.monitors.items()
        )
        self._aux = tuple((oid, o.name) for oid, o in cfg.outputs.aux.items())
        self._aux_levels: tuple[bool, ...] | None = None  # the levels `_aux_captures` show
        self._aux_captures: tuple[OutputCapture, ...] = ()
        self._motors_kept = tuple([(m, _motor(m)) for m in source.motors.values()])

    def build(self) -> Snapshot:
        src = self.source
        now, seq, modes = src.now_s, src.seq, src.modes
        stale_s, band_c = self._stale_s, self._band_c
        tunes = src.autotunes
        return Snapshot(
            Capture(  # positionally, in Capture's field order (as the captures below)
                src.clock.wall(),  # wall_s
                now,  # monotonic_s
                now - src.start_s,  # uptime_s
                seq.state,  # state
                modes.mode,  # mode
                modes.hmi_enabled,  # hmi_enabled
                src.start_refusal(),  # start_blocked
                GateCapture(seq.gate_ok, seq.soak_remaining_s(), seq.blocking),  # gate
                tuple([self._zone(z, now, band_c, tunes) for z in src.zones.values()]),  # zones
                tuple([_sensor(s, now, stale_s) for s in self._sensors]),  # sensors
                self._motors(),  # motors
                self._outputs(),  # outputs
                src.alarms.views(),  # alarms
                LoopCapture(self._tick_s, 0.0, src.overruns, src.ticks),  # loop
                seq.step_label,  # sequence_step
                self._autotunes(),  # autotune
                src.estop_chain_ok,  # estop_chain_ok
            )
        )

    def _motors(self) -> tuple[MotorCapture, ...]:
        """Each motor's capture, kept while its values are the very same objects: a motor that
        stands or holds its speed keeps them tick after tick (an equal new float makes a new
        capture, as with the gains). Name and max_rpm are config; `running` follows rpm."""
        kept = []
        for motor, capture in self._motors_kept:
            if not (
                capture.rpm is motor.rpm
                and capture.target_rpm is motor.target_rpm
                and capture.run_rpm is motor.run_rpm
                and capture.enabled is motor.enabled
                and (capture.fault is not None) is motor.alarm  # the fault is the driver alarm
            ):
                capture = _motor(motor)
            kept.append((motor, capture))
        self._motors_kept = tuple(kept)
        return tuple([capture for _, capture in kept])

    def _autotunes(self) -> Autotunes:
        src = self.source
        if not src.autotunes:
            return ()
        return tuple((zid, tuple(src.autotune_view(zid).items())) for zid in src.autotunes)

    # The captures are built positionally, in their fields' order: keyword construction of a
    # NamedTuple costs twice as much, and this runs for every zone, sensor and motor each tick.
    def _zone(
        self, zone: Zone, now: float, band_c: float, tunes: Mapping[str, RelayAutotune]
    ) -> ZoneCapture:
        track, tune = zone.track, tunes.get(zone.id) if tunes else None
        healthy = zone.sensor_ok
        return ZoneCapture(
            zone.id,  # id
            zone.cfg.name,  # name
            track.temperature_c,  # temperature_c
            zone.setpoint_c,  # setpoint_c
            zone.cfg.setpoint_max_c,  # setpoint_max_c
            zone.duty,  # duty
            zone.heater_on,  # heater_on
            healthy,  # sensor_ok
            track.fault or (None if healthy or track.last_ok_s is None else "stale"),  # fault
            track.age_s(now),  # age_s
            zone.in_band(band_c),  # at_setpoint
            self._gains_view(zone),  # pid
            zone.manual_duty,  # manual_duty
            tune.state if tune is not None else "idle",  # autotune
        )

    def _gains_view(self, zone: Zone) -> PidGains:
        """The zone's gains, kept while they are the same float objects (an equal-but-new float,
        such as -0.0 for 0.0, makes a new PidGains)."""
        pid, kept = zone.pid, self._gains.get(zone.id)
        if kept is None or kept.kp is not pid.kp or kept.ki is not pid.ki or kept.kd is not pid.kd:
            kept = self._gains[zone.id] = PidGains(kp=pid.kp, ki=pid.ki, kd=pid.kd)
        return kept

    def _outputs(self) -> tuple[OutputCapture, ...]:
        """The aux outputs' captures, made again only when a level changed (they rarely do)."""
        aux_on = self.source.aux_on
        levels = tuple([aux_on[oid] for oid, _ in self._aux])
        if levels != self._aux_levels:
            self._aux_levels = levels
            self._aux_captures = tuple(
                [
                    OutputCapture(oid, name, on)
                    for (oid, name), on in zip(self._aux, levels, strict=True)
                ]
            )
        return self._aux_captures


def _sensor(
    sensor: tuple[str, SensorTrack, MonitorSensorConfig], now: float, stale_s: float
) -> SensorCapture:
    sid, track, scfg = sensor
    return SensorCapture(
        sid,  # id
        scfg.name,  # name
        track.temperature_c,  # temperature_c
        track.healthy(now, stale_s),  # sensor_ok
        track.age_s(now),  # age_s
        track.fault,  # fault
        scfg.max_c,  # max_c
    )


def _motor(m: Motor) -> MotorCapture:
    return MotorCapture(
        m.id,  # id
        m.cfg.name,  # name
        m.rpm,  # rpm
        m.target_rpm,  # target_rpm
        m.run_rpm,  # run_rpm
        m.cfg.max_rpm,  # max_rpm
        m.enabled,  # enabled
        m.running,  # running
        "driver_alarm" if m.alarm else None,  # fault
    )
