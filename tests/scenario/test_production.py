"""Whole production cycles in virtual time: heat, gate, soak, start in order, run, stop."""

from __future__ import annotations

import pytest

from control.commands import Preheat, SetSetpoint, Start, Stop
from control.errors import StateConflict
from tests.scenario.helpers import ENGINEER, energised, heaters_on, reach, reach_running, stepping
from tests.support import config_with


def test_production_cycle_reaches_running_and_returns_to_idle(make_machine) -> None:
    m = make_machine()
    m.virtual.call(Start(actor=ENGINEER))
    assert m.core.snapshot.state == "heating"
    reach(m, "ready")
    reach(m, "running", 60.0)
    snap = m.core.snapshot
    assert snap.gate.ok and all(z.at_setpoint for z in snap.zones)
    m.virtual.run_for(120)
    snap = m.core.snapshot
    assert snap.state == "running" and not snap.alarms
    assert snap.motor("screw").rpm == pytest.approx(m.cfg.motors["screw"].run_rpm)
    assert sorted(stepping(m)) == ["feeder", "screw"]
    m.virtual.call(Stop(actor=ENGINEER))
    assert m.core.snapshot.state == "stopping"
    reach(m, "idle", 60.0)
    m.virtual.step()
    assert energised(m) == [] and m.core.snapshot.state == "idle"


def test_motors_start_in_configured_order_with_delays(make_machine) -> None:
    m = make_machine()
    m.virtual.call(Preheat(actor=ENGINEER))
    reach(m, "ready")
    m.virtual.call(Start(actor=ENGINEER))
    m.virtual.run_until(lambda: "screw" in stepping(m), 5.0)
    assert stepping(m) == ["screw"]  # the feeder waits for its 5 s delay
    m.virtual.run_for(4.0)
    assert "feeder" not in stepping(m)
    assert m.virtual.run_until(lambda: "feeder" in stepping(m), 2.0)


def test_gate_soak_counts_down_before_ready(make_machine) -> None:
    m = make_machine(config_with(**{"sequence.soak_s": 30}))
    m.virtual.call(Preheat(actor=ENGINEER))
    # once the zones are well inside the band the soak counts down without restarting
    m.virtual.run_until(lambda: (m.core.snapshot.gate.soak_remaining_s or 99) <= 25, 3600)
    first = m.core.snapshot.gate.soak_remaining_s
    m.virtual.run_for(10)
    later = m.core.snapshot.gate.soak_remaining_s
    assert first is not None and later is not None and first - later == pytest.approx(10, abs=0.2)
    assert m.core.snapshot.state == "heating"
    reach(m, "ready", 25)


def test_preheat_holds_ready_without_turning_the_screw(make_machine) -> None:
    m = make_machine()
    m.virtual.call(Preheat(actor=ENGINEER))
    reach(m, "ready")
    m.virtual.run_for(120)
    assert m.core.snapshot.state == "ready" and stepping(m) == []
    assert heaters_on(m) or any(z.duty > 0 for z in m.core.snapshot.zones)


def test_stopped_preheat_ends_idle_and_heat_is_off(make_machine) -> None:
    m = make_machine()
    m.virtual.call(Preheat(actor=ENGINEER))
    m.virtual.run_for(60)
    m.virtual.call(Stop(actor=ENGINEER))
    assert m.core.snapshot.state == "idle" and energised(m) == []


def test_hold_heat_after_stop_keeps_regulating(make_machine) -> None:
    m = make_machine(config_with(**{"sequence.hold_heat_after_stop": True}))
    reach_running(m)
    m.virtual.call(Stop(actor=ENGINEER))
    reach(m, "ready", 120)
    assert stepping(m) == [] and all(z.at_setpoint for z in m.core.snapshot.zones)


def test_start_refused_while_running_says_why(make_machine) -> None:
    m = make_machine()
    reach_running(m)
    with pytest.raises(StateConflict, match="already running"):
        m.virtual.call(Start(actor=ENGINEER))


def test_run_speed_change_applies_live_with_ramp(make_machine) -> None:
    from control.commands import SetRunRpm

    m = make_machine()
    reach_running(m)
    m.virtual.call(SetRunRpm(motor="screw", rpm=40.0, actor=ENGINEER))
    m.virtual.run_for(0.25)
    rpm = m.core.snapshot.motor("screw").rpm
    assert 30 < rpm < 40  # ramping at accel_rpm_s, not jumping
    m.virtual.run_for(1.0)
    assert m.core.snapshot.motor("screw").rpm == pytest.approx(40)


def test_setpoint_persists_across_restart(make_machine, tmp_path) -> None:
    m = make_machine(data_dir=tmp_path)
    m.virtual.call(SetSetpoint(zone="barrel", setpoint_c=215.0, actor=ENGINEER))
    m.close()
    again = make_machine(data_dir=tmp_path)
    assert again.core.snapshot.zone("barrel").setpoint_c == 215.0


def test_panel_buttons_start_and_stop(make_machine) -> None:
    m = make_machine()
    m.sim.press("start")
    m.virtual.run_for(0.5)
    assert m.core.snapshot.state == "heating"
    m.sim.press("stop")
    m.virtual.run_for(0.5)
    assert m.core.snapshot.state == "idle"


def test_command_answer_comes_after_its_snapshot(make_machine) -> None:
    m = make_machine()
    seen = []
    fut = m.core.submit(SetSetpoint(zone="barrel", setpoint_c=190.0, actor=ENGINEER))
    fut.add_done_callback(lambda _: seen.append(m.core.snapshot.zone("barrel").setpoint_c))
    m.virtual.step()
    assert seen == [190.0]


def test_absurd_numbers_are_field_errors_and_change_nothing(make_machine) -> None:
    from control.commands import Reset
    from control.errors import InvalidField

    m = make_machine()
    for bad in (10**400, float("nan"), float("inf"), "200", True):
        with pytest.raises(InvalidField):
            m.virtual.call(SetSetpoint(zone="barrel", setpoint_c=bad, actor=ENGINEER))
    with pytest.raises(InvalidField):
        m.virtual.call(Reset(ack="false", actor=ENGINEER))  # type: ignore[arg-type]
    snap = m.core.snapshot
    assert snap.state == "idle" and snap.alarms == () and snap.zone("barrel").setpoint_c == 200.0


def test_a_handler_bug_latches_a_trip_instead_of_killing_the_loop(make_machine) -> None:
    from control import handlers

    m = make_machine()
    m.virtual.call(Preheat(actor=ENGINEER))

    def broken(core, cmd):  # stands in for a future bug in a handler
        raise KeyError("oops")

    original = handlers.HANDLERS[Stop]
    handlers.HANDLERS[Stop] = broken
    try:
        with pytest.raises(KeyError):
            m.virtual.call(Stop(actor=ENGINEER))
    finally:
        handlers.HANDLERS[Stop] = original
    m.virtual.step()
    assert m.core.snapshot.state == "fault" and heaters_on(m) == []
    assert ("internal_error", "machine") in [(a.code, a.source) for a in m.core.snapshot.alarms]


def test_start_is_refused_while_the_stop_button_reads_pressed(make_machine) -> None:
    """The stop button is normally closed: held, or with its wire cut, nothing may start."""
    m = make_machine()
    m.sim.press("stop", hold_s=None)  # a cut wire reads as pressed for good
    m.virtual.run_for(0.2)
    with pytest.raises(StateConflict, match="stop button"):
        m.virtual.call(Start(actor=ENGINEER))
    m.sim.press("start")
    m.virtual.run_for(0.5)
    assert m.core.snapshot.state == "idle"
    m.sim.release("stop")
    m.virtual.run_for(0.2)
    m.virtual.call(Start(actor=ENGINEER))
    assert m.core.snapshot.state in ("heating", "starting")


def test_a_stop_button_that_cannot_be_read_counts_as_pressed(make_machine) -> None:
    """Fail-safe like the E-stop chain: a stop input whose read raises stops the machine and
    refuses START until it reads again; a start input that cannot be read never starts."""
    m = make_machine()
    m.virtual.call(Start(actor=ENGINEER))
    m.virtual.run_for(0.2)
    assert m.core.snapshot.state in ("heating", "starting")

    def broken() -> bool:
        raise OSError(5, "Input/output error")

    working = m.core.io.stop_button.read
    m.core.io.stop_button.read = broken
    m.virtual.run_for(0.5)
    assert m.core.snapshot.state in ("stopping", "idle")
    with pytest.raises(StateConflict, match="stop button"):
        m.virtual.call(Start(actor=ENGINEER))
    m.core.io.stop_button.read = working
    m.core.io.start_button.read = broken
    m.virtual.run_for(0.5)
    m.virtual.run_for(60)
    assert m.core.snapshot.state == "idle"  # nothing started by the unreadable start input
