"""The safety watcher: evaluates every rule of DESIGN §6 on fresh data, once per tick."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from control.alarms import TRIP, WARNING
from control.heater_check import FELL_DRIVEN, MAX_ERROR
from control.motor import Motor
from control.sensing import SensorTrack
from control.zone import Zone
from machine_config.config import Config

CAT0 = "cat0"  # everything off this tick, motors cut
CONTROLLED = "controlled"  # heaters off this tick, motors ramp down, trip
WARN = "warn"  # warning alarm only; control continues


@dataclass(frozen=True, slots=True)
class Condition:
    """A rule that is violated right now."""

    code: str
    source: str
    severity: str
    reaction: str
    message: str


class Standing:
    """Conditions reported from outside the safety pass (storage, data sinks, other threads),
    present until withdrawn; the safety pass adds them to what it finds each tick."""

    def __init__(self) -> None:
        self._by_cause: dict[tuple[str, str], Condition] = {}

    def set(self, cond: Condition, present: bool) -> None:
        key = (cond.code, cond.source)
        if present:
            self._by_cause[key] = cond
        else:
            self._by_cause.pop(key, None)

    def withdraw(self, code: str, source: str) -> None:
        self._by_cause.pop((code, source), None)

    def values(self) -> list[Condition]:
        return list(self._by_cause.values())


class SafetyInputs(NamedTuple):
    """What the watcher looks at besides zones, sensors and motors (immutable; made every tick,
    so a NamedTuple rather than a frozen dataclass, which costs ~0.3 µs per field to build)."""

    now_s: float
    estop_chain_ok: bool
    loop_stalled: bool
    heaters_expected: bool


def evaluate(
    cfg: Config,
    inputs: SafetyInputs,
    zones: Iterable[Zone],
    monitors: Mapping[str, SensorTrack],
    motors: Iterable[Motor],
) -> list[Condition]:
    """Every condition present now; the core turns them into alarms and reactions."""
    found: list[Condition] = []
    # the software E-stop is a momentary command, not a level: its handler latches the
    # category-0 trip in the tick it is applied (control.handlers.estop)
    if not inputs.estop_chain_ok:
        found.append(Condition("estop_chain", "machine", TRIP, CAT0, "E-stop chain open"))
    if inputs.loop_stalled:
        found.append(Condition("loop_stall", "machine", TRIP, CAT0, "Control loop stalled"))
    for zone in zones:
        found += _zone_conditions(cfg, inputs, zone)
    for sid, track in monitors.items():
        found += _monitor_conditions(cfg, inputs.now_s, sid, track)
    for motor in motors:
        if motor.alarm:
            found.append(
                Condition(
                    "driver_alarm", motor.id, TRIP, CONTROLLED, f"{motor.cfg.name} driver alarm"
                )
            )
    return found


def _sensor_conditions(
    cfg: Config, now_s: float, source: str, name: str, track: SensorTrack
) -> list[Condition]:
    out = []
    if track.consecutive_faults >= cfg.safety.tc_fault_count:
        out.append(
            Condition(
                "sensor_fault", source, TRIP, CONTROLLED, f"{name} thermocouple: {track.fault}"
            )
        )
    elif track.silent_for_s(now_s) > cfg.safety.sensor_stale_s:
        out.append(Condition("sensor_stale", source, TRIP, CONTROLLED, f"{name} reading is stale"))
    return out


def _zone_conditions(cfg: Config, inputs: SafetyInputs, zone: Zone) -> list[Condition]:
    now_s, name = inputs.now_s, zone.cfg.name
    out = _sensor_conditions(cfg, now_s, zone.id, name, zone.track)
    temp = zone.track.temperature_c if zone.track.fault is None else None
    if temp is not None and temp > zone.cfg.trip_max_c:
        out.append(
            Condition(
                "over_temperature", zone.id, TRIP, CAT0, f"{name} above {zone.cfg.trip_max_c:g} °C"
            )
        )
    # the plausibility checks hold through a bad or stale read (and through the tick whose duty
    # that read forced to 0): an intermittent fault must not keep restarting their windows
    fresh = zone.track.temperature_c if zone.sensor_ok else None
    verdict = zone.check.not_heating(
        now_s, zone.duty, None if zone.sensor_held else fresh, zone.target_c
    )
    if verdict is not None:
        out.append(_not_heating(cfg, zone, verdict))
    # with the contactor open (not heating) a stuck SSR cannot heat: a rising reading is not it
    stuck_duty = zone.duty if inputs.heaters_expected else 1.0
    if zone.check.stuck_on(now_s, stuck_duty, fresh):
        out.append(
            Condition("ssr_stuck_on", zone.id, TRIP, CONTROLLED, f"{name} rising with heater off")
        )
    return out


def _not_heating(cfg: Config, zone: Zone, verdict: str) -> Condition:
    name = zone.cfg.name
    if verdict == MAX_ERROR:
        message = f"{name} fell more than {cfg.safety.max_error_c:g} °C below its setpoint"
    elif verdict == FELL_DRIVEN:
        message = f"{name} fell below its setpoint band at full heater power"
    else:
        message = f"{name} is not heating"
    return Condition("heater_not_heating", zone.id, TRIP, CONTROLLED, message)


def _monitor_conditions(cfg: Config, now_s: float, sid: str, track: SensorTrack) -> list[Condition]:
    mcfg = cfg.sensors[sid]
    out = _sensor_conditions(cfg, now_s, sid, mcfg.name, track)
    if out and mcfg.max_c is None:  # a purely informative sensor: its failure is a warning
        out = [Condition(c.code, c.source, WARNING, WARN, c.message) for c in out]
    temp = track.temperature_c if track.fault is None else None
    if mcfg.max_c is not None and temp is not None and temp > mcfg.max_c:
        out.append(
            Condition(
                "over_temperature", sid, TRIP, CONTROLLED, f"{mcfg.name} above {mcfg.max_c:g} °C"
            )
        )
    return out


def gate_lost(zone_ids: list[str]) -> Condition:
    """The warning raised when the gate is lost while the motors turn."""
    return Condition(
        "gate_lost", "machine", WARNING, WARN, "Temperature left the gate: " + ", ".join(zone_ids)
    )
