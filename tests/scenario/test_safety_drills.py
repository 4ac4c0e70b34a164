"""One drill per safety rule (DESIGN §6): detect → heater off within a tick, latch, refuse reset
while the cause is present, then reset energises nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from control.commands import EStop, Preheat, Reset, SetSetpoint
from control.errors import StateConflict
from tests.scenario.helpers import (
    ENGINEER,
    energised,
    heaters_on,
    reach,
    reach_running,
    stepping,
    trips,
)
from tests.support import config_with

# gains so soft that a falling zone stays below heating_duty_min: only max_error can answer it
SOFT_PID = {"kp": 0.01, "ki": 0.002, "kd": 0.0, "d_filter_s": 2.0}

Action = Callable[[Any], Any]


@dataclass
class Drill:
    name: str
    inject: Action
    code: str
    source: str
    clear: Action
    start: str = "running"
    cat0: bool = False
    cause_persists: bool = True
    settle_s: float = 5.0
    overrides: dict[str, Any] = field(default_factory=dict)
    detect_within_s: float = 120.0
    message: str = ""  # words the first-out alarm must say


def fault(kind: str, target: str | None = None) -> Action:
    return lambda m: m.sim.faults.inject(kind, target)


def clear_faults(m: Any) -> None:
    m.sim.faults.clear_all()


DRILLS = [
    Drill("estop chain open", fault("estop"), "estop_chain", "machine", clear_faults, cat0=True),
    Drill(
        "software estop",
        lambda m: m.core.submit(EStop(actor=ENGINEER)),
        "estop",
        "machine",
        lambda m: None,
        cat0=True,
        cause_persists=False,
    ),
    Drill(
        "zone above trip_max",
        fault("ssr_stuck_on", "barrel"),
        "over_temperature",
        "barrel",
        clear_faults,
        start="ready",
        cat0=True,
        settle_s=900,
        detect_within_s=900,
        overrides={"safety.ssr_stuck_rise_c": 100},
    ),
    Drill("thermocouple open", fault("tc_open", "nozzle"), "sensor_fault", "nozzle", clear_faults),
    Drill(
        "thermocouple short to GND",
        fault("tc_short_gnd", "barrel"),
        "sensor_fault",
        "barrel",
        clear_faults,
    ),
    Drill(
        "thermocouple short to VCC",
        fault("tc_short_vcc", "barrel"),
        "sensor_fault",
        "barrel",
        clear_faults,
    ),
    Drill("SPI error", fault("spi_error", "nozzle"), "sensor_fault", "nozzle", clear_faults),
    Drill(
        "stale reading", fault("sensor_frozen", "barrel"), "sensor_stale", "barrel", clear_faults
    ),
    Drill(
        "open heater",
        fault("heater_open", "barrel"),
        "heater_not_heating",
        "barrel",
        clear_faults,
        start="heating",
        cause_persists=False,
    ),
    Drill(
        "probe detached",
        fault("probe_detached", "barrel"),
        "heater_not_heating",
        "barrel",
        clear_faults,
        start="heating",
        cause_persists=False,
    ),
    Drill(
        "probe detached while running, heater at full power",
        fault("probe_detached", "barrel"),
        "heater_not_heating",
        "barrel",
        clear_faults,
        cause_persists=False,
        detect_within_s=10,
        message="below its setpoint band at full heater power",
    ),
    Drill(
        "zone falls max_error below its reached setpoint",
        fault("probe_detached", "barrel"),
        "heater_not_heating",
        "barrel",
        clear_faults,
        cause_persists=False,
        overrides={"safety.max_error_c": 20, "zones.barrel.pid": SOFT_PID},
        detect_within_s=30,
        message="more than 20 °C below its setpoint",
    ),
    Drill(
        "SSR stuck on",
        fault("ssr_stuck_on", "nozzle"),
        "ssr_stuck_on",
        "nozzle",
        clear_faults,
        start="ready",
        cause_persists=False,
        detect_within_s=600,
    ),
    Drill("driver alarm", fault("driver_alarm", "screw"), "driver_alarm", "screw", clear_faults),
    Drill(
        "motor housing too hot",
        lambda m: m.sim.set_monitor_offset("motor_housing", 40),
        "over_temperature",
        "motor_housing",
        lambda m: m.sim.set_monitor_offset("motor_housing", 0),
        settle_s=10,
    ),
    Drill(
        "control loop stall",
        lambda m: m.core.flag_stall(),
        "loop_stall",
        "machine",
        lambda m: None,
        cat0=True,
        cause_persists=False,
    ),
]


def bring_to(m: Any, start: str) -> None:
    if start == "running":
        reach_running(m)
    elif start == "ready":
        m.virtual.call(Preheat(actor=ENGINEER))
        reach(m, "ready")
    else:  # heating from cold
        m.virtual.call(Preheat(actor=ENGINEER))
        m.virtual.run_for(5)
        assert m.core.snapshot.state == "heating"


@pytest.mark.parametrize("drill", DRILLS, ids=[d.name for d in DRILLS])
def test_drill(make_machine, drill: Drill) -> None:
    m = make_machine(config_with(**drill.overrides))
    bring_to(m, drill.start)
    was_stepping = bool(stepping(m))
    drill.inject(m)

    # detection → heater off: both in the same tick (budget: one tick)
    assert m.virtual.run_until(
        lambda: (drill.code, drill.source) in trips(m), drill.detect_within_s
    )
    assert heaters_on(m) == [], "heater still on in the tick the trip was detected"
    assert m.core.snapshot.state == "fault"
    assert not m.sim.output("heater_contactor").on
    if drill.cat0:
        assert stepping(m) == [], "category 0 must cut the motors in the same tick"
    if drill.cause_persists:
        with pytest.raises(StateConflict) as refused:
            m.virtual.call(Reset(ack=True, actor=ENGINEER))
        causes = refused.value.details["causes"]
        assert {"code": drill.code, "source": drill.source, "reason": "present"} in causes
    else:
        with pytest.raises(StateConflict, match="unacknowledged"):
            m.virtual.call(Reset(ack=False, actor=ENGINEER))
    assert m.core.snapshot.state == "fault"

    m.virtual.run_for(10)  # a controlled stop ramps the motors down meanwhile
    assert stepping(m) == [] and heaters_on(m) == []
    assert m.core.snapshot.state == "fault", "the trip must latch"
    first = [a for a in m.core.snapshot.alarms if a.first_out]
    assert len(first) == 1 and (first[0].code, first[0].source) == (drill.code, drill.source)
    assert drill.message in first[0].message
    if was_stepping and not drill.cat0:
        assert m.core.snapshot.motor("screw").rpm == 0

    drill.clear(m)
    m.virtual.run_for(drill.settle_s)
    m.virtual.call(Reset(ack=True, actor=ENGINEER))
    m.virtual.run_for(2)
    assert m.core.snapshot.state == "idle"
    assert energised(m) == [], "a reset must not energise anything"


def test_ssr_stuck_on_drops_the_contactor_so_power_stops(make_machine) -> None:
    m = make_machine()
    m.virtual.call(Preheat(actor=ENGINEER))
    reach(m, "ready")
    m.sim.faults.inject("ssr_stuck_on", "barrel")
    assert m.virtual.run_until(lambda: ("ssr_stuck_on", "barrel") in trips(m), 600)
    energy = m.sim.heater_energy_j("barrel")
    m.virtual.run_for(60)
    assert m.sim.heater_energy_j("barrel") == energy  # no more heat reaches the barrel


def test_gate_lost_while_running_is_a_controlled_stop_with_warning(make_machine) -> None:
    m = make_machine()
    reach_running(m)
    m.virtual.call(SetSetpoint(zone="barrel", setpoint_c=180.0, actor=ENGINEER))
    reach(m, "idle", 120)
    alarm = next(a for a in m.core.snapshot.alarms if a.code == "gate_lost")
    assert alarm.severity == "warning" and "barrel" in alarm.message
    assert stepping(m) == [] and trips(m) == []


def test_estop_chain_at_power_on_starts_in_fault(make_machine, cfg) -> None:

    m = make_machine()
    m.sim.faults.inject("estop")
    m.virtual.step()
    assert m.core.snapshot.state == "fault"
    assert m.core.snapshot.start_blocked is not None


def test_latched_trip_survives_restart(make_machine, tmp_path) -> None:
    m = make_machine(data_dir=tmp_path)
    m.virtual.call(EStop(actor=ENGINEER))
    m.close()
    again = make_machine(data_dir=tmp_path)
    again.virtual.step()
    snap = again.core.snapshot
    assert snap.state == "fault" and ("estop", "machine") in trips(again)
    again.virtual.call(Reset(ack=True, actor=ENGINEER))
    assert again.core.snapshot.state == "idle"


def test_intermittent_bad_reads_do_not_mask_a_detached_probe(make_machine) -> None:
    """One bad read every 40 s (fewer than tc_fault_count in a row) used to restart the
    not-heating window each time, so a probe hanging in air was heated at 100 % for hours."""
    m = make_machine()
    bring_to(m, "heating")
    m.sim.faults.inject("probe_detached", "barrel")
    one_read_s = m.cfg.zones["barrel"].sensor.period_s
    tripped = lambda: ("heater_not_heating", "barrel") in trips(m)  # noqa: E731
    for _ in range(round(4 * m.cfg.safety.heating_period_s / 40)):  # four windows' worth
        bad_read = m.sim.faults.inject("spi_error", "barrel")
        m.virtual.run_for(one_read_s)  # exactly one conversion read while it is faulted
        m.sim.faults.clear(bad_read)
        if m.virtual.run_until(tripped, 40 - one_read_s):
            break
    assert tripped(), f"no trip: {trips(m)}"
    assert ("sensor_fault", "barrel") not in trips(m)  # single bad reads are not a sensor fault
    assert heaters_on(m) == [] and m.core.snapshot.state == "fault"


def test_a_probe_detached_while_running_latches_at_once(make_machine) -> None:
    """Detached while running, the reading falls out of the band with the heater at full power:
    the gate is lost (a stop begins), and while the heater is still driven in that stop the
    fall latches heater_not_heating naming the zone. It used to end in idle with only the
    gate-lost warning, and the bad probe was heated again on the next preheat."""
    m = make_machine()
    reach_running(m)
    m.sim.faults.inject("probe_detached", "barrel")
    tick_s = m.cfg.machine.tick_s
    on_s, states = 0.0, set()
    for _ in range(round(30 / tick_s)):
        m.virtual.step()
        on_s += tick_s * ("barrel" in heaters_on(m))
        states.add(m.core.snapshot.state)
        if trips(m):
            break
    assert trips(m) == [("heater_not_heating", "barrel")]
    (alarm,) = [a for a in m.core.snapshot.alarms if a.code == "heater_not_heating"]
    assert "full heater power" in alarm.message
    assert m.core.snapshot.state == "fault" and heaters_on(m) == []
    assert "idle" not in states, "it stopped to idle without latching"
    assert on_s <= 5.0, f"heated a detached probe for {on_s} s"


def test_bad_reads_do_not_disarm_max_error(make_machine) -> None:
    """A bad read forces the zone's duty to 0 for a tick or two; those ticks are not a change of
    setpoint (a new heat-up), so intermittent faults cannot keep max_error disarmed."""
    m = make_machine(config_with(**{"safety.max_error_c": 20, "zones.barrel.pid": SOFT_PID}))
    reach_running(m)
    m.sim.faults.inject("probe_detached", "barrel")
    one_read_s = m.cfg.zones["barrel"].sensor.period_s
    for _ in range(40):  # a bad read every second
        bad_read = m.sim.faults.inject("spi_error", "barrel")
        m.virtual.run_for(one_read_s)
        m.sim.faults.clear(bad_read)
        m.virtual.run_for(1.0 - one_read_s)
        if trips(m):
            break
    assert trips(m) == [("heater_not_heating", "barrel")]
    (alarm,) = [a for a in m.core.snapshot.alarms if a.code == "heater_not_heating"]
    assert "more than 20 °C below its setpoint" in alarm.message  # max_error, not full power
