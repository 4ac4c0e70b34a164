"""Manual mode (fixed duty, jog behind interlocks) and relay autotune on one zone."""

from __future__ import annotations

import itertools

import pytest

from control.commands import (
    AbortAutotune,
    ApplyAutotune,
    Jog,
    Preheat,
    SetManualDuty,
    SetMode,
    StartAutotune,
    Stop,
)
from control.errors import InvalidField, StateConflict
from control.ramp import rpm_to_step_hz
from tests.scenario.helpers import ENGINEER, heaters_on, reach, reach_running, stepping


def test_manual_duty_heats_only_that_zone_and_auto_clears_it(make_machine) -> None:
    m = make_machine()
    with pytest.raises(StateConflict, match="manual mode"):
        m.virtual.call(SetManualDuty(zone="barrel", duty=0.5, actor=ENGINEER))
    m.virtual.call(SetMode(mode="manual", actor=ENGINEER))
    m.virtual.call(SetManualDuty(zone="barrel", duty=0.5, actor=ENGINEER))
    assert m.core.snapshot.state == "heating"
    on_ticks = 0
    for _ in range(40):  # two 1 s SSR windows
        m.virtual.step()
        on_ticks += "barrel" in heaters_on(m)
        assert "nozzle" not in heaters_on(m)
    assert on_ticks == 20
    m.virtual.call(SetMode(mode="auto", actor=ENGINEER))
    assert m.core.snapshot.state == "idle" and heaters_on(m) == []
    assert m.core.snapshot.zone("barrel").manual_duty is None  # never a stale duty


def test_manual_duty_out_of_range_is_a_field_error(make_machine) -> None:
    m = make_machine()
    m.virtual.call(SetMode(mode="manual", actor=ENGINEER))
    with pytest.raises(InvalidField) as err:
        m.virtual.call(SetManualDuty(zone="barrel", duty=1.5, actor=ENGINEER))
    assert err.value.details == {"field": "duty", "min": 0.0, "max": 1.0}


def test_jog_refused_cold_with_the_interlock_explained(make_machine) -> None:
    m = make_machine()
    m.virtual.call(SetMode(mode="manual", actor=ENGINEER))
    with pytest.raises(StateConflict, match="below the minimum extrusion temperature"):
        m.virtual.call(Jog(motor="screw", rpm=10, duration_s=2, actor=ENGINEER))
    assert stepping(m) == []


def test_jog_when_hot_runs_for_its_duration_then_stops(make_machine) -> None:
    m = make_machine()
    for zid, z in m.cfg.zones.items():
        m.sim.set_plant_temperature(zid, z.setpoint_c)
    m.virtual.run_for(0.5)
    with pytest.raises(StateConflict, match="manual mode"):
        m.virtual.call(Jog(motor="screw", rpm=10, duration_s=2, actor=ENGINEER))
    m.virtual.call(SetMode(mode="manual", actor=ENGINEER))
    m.virtual.call(Jog(motor="screw", rpm=-10, duration_s=2, actor=ENGINEER))
    m.virtual.run_for(1.0)
    assert stepping(m) == ["screw"] and not m.sim.stepper("screw").forward
    m.virtual.run_for(2.0)
    assert stepping(m) == []


def test_a_jog_after_a_run_and_30_s_idle_ramps_from_zero(make_machine) -> None:
    """Run → stop → 30 s idle → jog 48 rpm: the step rate climbs at accel_rpm_s from 0."""
    m = make_machine()
    reach_running(m)
    m.virtual.call(Stop(actor=ENGINEER))
    reach(m, "idle", 120)
    m.virtual.run_for(30)
    m.virtual.call(SetMode(mode="manual", actor=ENGINEER))
    mcfg = m.cfg.motors["screw"]
    per_tick = rpm_to_step_hz(
        mcfg.accel_rpm_s * m.cfg.machine.tick_s, mcfg.steps_per_rev, mcfg.microsteps
    )
    m.virtual.call(Jog(motor="screw", rpm=48, duration_s=5, actor=ENGINEER))
    rates = [m.sim.stepper("screw").step_hz]
    for _ in range(60):
        m.virtual.step()
        rates.append(m.sim.stepper("screw").step_hz)
    assert rates[0] <= per_tick + 1e-6, f"the jog's first tick stepped at {rates[0]} Hz"
    assert max(b - a for a, b in itertools.pairwise(rates)) <= per_tick + 1e-6
    assert m.core.snapshot.motor("screw").rpm == 48


def test_mode_cannot_change_while_running(make_machine) -> None:
    m = make_machine()
    reach_running(m)
    with pytest.raises(StateConflict, match="only while stopped"):
        m.virtual.call(SetMode(mode="manual", actor=ENGINEER))


def test_autotune_on_one_zone_while_the_other_keeps_regulating(make_machine) -> None:
    m = make_machine()
    m.virtual.call(Preheat(actor=ENGINEER))
    reach(m, "ready")
    m.virtual.call(StartAutotune(zone="nozzle", setpoint_c=210.0, actor=ENGINEER))
    barrel_errors = []
    done = m.virtual.run_until(
        lambda: (barrel_errors.append(abs(m.core.snapshot.zone("barrel").temperature_c - 200))
                 or m.core.snapshot.autotune_of("nozzle")["state"] != "running"),
        3600,
    )  # fmt: skip
    view = m.core.snapshot.autotune_of("nozzle")
    assert done and view["state"] == "done", view
    assert max(barrel_errors) < 2.0  # the barrel held its setpoint all along
    assert view["ku"] > 0 and view["tu_s"] > 0 and view["kp"] > 0
    old = m.core.snapshot.zone("nozzle").pid
    m.virtual.call(ApplyAutotune(zone="nozzle", actor=ENGINEER))
    new = m.core.snapshot.zone("nozzle").pid
    assert new != old and new.kp == pytest.approx(view["kp"])


def test_autotune_abort_and_sensor_fault_fail_with_a_reason(make_machine) -> None:
    m = make_machine()
    m.virtual.call(StartAutotune(zone="barrel", setpoint_c=150.0, actor=ENGINEER))
    assert m.core.snapshot.state == "heating"
    m.virtual.run_for(5)
    assert heaters_on(m) in ([], ["barrel"]) and "nozzle" not in heaters_on(m)
    m.virtual.call(AbortAutotune(zone="barrel", actor=ENGINEER))
    assert m.core.snapshot.autotune_of("barrel") | {"progress": 0} == {
        "zone": "barrel",
        "state": "failed",
        "reason": "aborted",
        "progress": 0,
        "setpoint_c": 150.0,
    }
    with pytest.raises(StateConflict):
        m.virtual.call(ApplyAutotune(zone="barrel", actor=ENGINEER))
    m.virtual.call(StartAutotune(zone="barrel", setpoint_c=150.0, actor=ENGINEER))
    m.sim.faults.inject("tc_open", "barrel")
    m.virtual.run_for(2)
    assert m.core.snapshot.autotune_of("barrel")["reason"] == "sensor_fault"
    assert m.core.snapshot.state == "fault"
