"""The heated zones, the monitor-only sensors and the zones' autotunes, owned as one subsystem."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from control import outputs
from control.autotune import RelayAutotune
from control.sensing import SensorTrack
from control.zone import Zone
from hw.io import MachineIO
from machine_config.config import Config


class Heating:
    """Zones (sensor, controller, SSR window), monitor sensors and autotunes. The maps are for
    reading; every change goes through a method here or on the Zone itself."""

    def __init__(self, cfg: Config, io: MachineIO) -> None:
        tick_s, band_c = cfg.machine.tick_s, cfg.sequence.band_c
        self.zones: Mapping[str, Zone] = {
            zid: Zone(zid, z, cfg.safety, tick_s, io.zone_sensors[zid], io.heaters[zid], band_c)
            for zid, z in cfg.zones.items()
        }
        self.monitors: Mapping[str, SensorTrack] = {
            sid: SensorTrack(io.monitor_sensors[sid], s.sensor.period_s)
            for sid, s in cfg.sensors.items()
        }
        self._tunes: dict[str, RelayAutotune] = {}

    @property
    def autotunes(self) -> Mapping[str, RelayAutotune]:
        return self._tunes

    # -- per tick -------------------------------------------------------------------------------
    def poll(self, now_s: float, stale_s: float) -> None:
        """Read the sensors that are due; fix each zone's sensor verdict for this tick."""
        for zone in self.zones.values():
            zone.judge_sensor(now_s, stale_s)
        for track in self.monitors.values():
            track.poll(now_s)

    def regulate(self, now_s: float, heat_ok: bool, heats: Callable[[str], bool]) -> None:
        """Each zone's duty: PID, manual duty or its running autotune; a tune whose zone may
        not heat any more stops (aborted, or failed for a sensor fault)."""
        for zid, zone in self.zones.items():
            tune = self._tunes.get(zid)
            running_tune = tune if tune is not None and tune.state == "running" else None
            allowed = heat_ok and heats(zid) and zone.sensor_ok
            zone.compute_duty(now_s, _TuneAdapter(running_tune) if running_tune else None, allowed)
            if running_tune is not None and not allowed:
                if zone.sensor_ok:
                    running_tune.abort()
                else:
                    running_tune.update(now_s, None)  # fails the tune with reason sensor_fault

    def trip(self) -> None:
        """Every heater off now (a failing one is already a present trip); tunes aborted."""
        for zone in self.zones.values():
            outputs.attempt(zone.force_off)
        self.abort_tunes()

    def disable(self) -> None:
        """Handed to the legacy panel: tunes aborted, manual duties dropped, heaters off."""
        self.abort_tunes()
        for zone in self.zones.values():
            zone.set_manual(None)
            zone.force_off()

    # -- autotune -------------------------------------------------------------------------------
    def start_tune(self, zone_id: str, target_c: float) -> None:
        zone = self.zones[zone_id]
        limit = min(zone.cfg.trip_max_c - 5.0, target_c + 25.0)
        self._tunes[zone_id] = RelayAutotune(target_c, limit_c=limit)

    def abort_tunes(self) -> None:
        for tune in self._tunes.values():
            tune.abort()

    def tune_running(self, zone_id: str) -> bool:
        tune = self._tunes.get(zone_id)
        return tune is not None and tune.state == "running"

    def tunes_running(self) -> bool:
        return bool(self._tunes) and any(t.state == "running" for t in self._tunes.values())

    def autotune_view(self, zone_id: str) -> dict[str, Any]:
        """API.md decision 11: idle before any tune; running with progress; done or failed."""
        tune = self._tunes.get(zone_id)
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

    # -- queries --------------------------------------------------------------------------------
    def any_manual_duty(self) -> bool:
        return any(z.manual_duty is not None for z in self.zones.values())

    def clear_manual(self) -> None:
        for zone in self.zones.values():
            zone.set_manual(None)

    def gains(self, zone_id: str) -> dict[str, float]:
        pid = self.zones[zone_id].pid
        return {"kp": pid.kp, "ki": pid.ki, "kd": pid.kd}

    def cold_reason(self, min_extrude_c: float) -> str | None:
        """Why the plastic may be too cold to turn the screw (a zone), or None."""
        for zone in self.zones.values():
            temp = zone.track.temperature_c
            if not zone.sensor_ok or temp is None:
                return f"{zone.cfg.name} sensor not healthy"
            if temp < min_extrude_c:
                return (
                    f"{zone.cfg.name} at {temp:.1f} °C is below the minimum extrusion "
                    f"temperature {min_extrude_c:g} °C"
                )
        return None

    def gate_blocking(self, band_c: float, min_extrude_c: float) -> tuple[str, ...]:
        """The zones keeping the temperature gate shut: unhealthy, out of band or too cold."""
        blocking = []
        for zid, zone in self.zones.items():
            temp = zone.track.temperature_c
            if not (
                zone.sensor_ok
                and zone.in_band(band_c)
                and temp is not None
                and temp >= min_extrude_c
            ):
                blocking.append(zid)
        return tuple(blocking)

    def read_errors(self) -> dict[str, int]:
        """Sensor read errors so far, by zone or sensor id (safe to read from any thread)."""
        counts = {zid: z.track.read_errors for zid, z in self.zones.items()}
        counts.update({sid: t.read_errors for sid, t in self.monitors.items()})
        return counts


class _TuneAdapter:
    """Lets a RelayAutotune stand in for the zone's PID (Controller protocol)."""

    def __init__(self, tune: RelayAutotune) -> None:
        self.tune = tune

    def update(self, now_s: float, measured_c: float, setpoint_c: float) -> float:
        return self.tune.update(now_s, measured_c)
