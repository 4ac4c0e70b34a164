"""Every trip, alarm transition, state change and refused command is a JSON line at its level
(DESIGN §9): trips at error, warnings and refusals at warning, the rest at info."""

from __future__ import annotations

from typing import Any

import pytest

from app.services import eventlog
from control.commands import AckAll, Preheat, Reset
from control.errors import StateConflict
from tests.logcapture import LogCapture, capture_log
from tests.scenario.helpers import ENGINEER, reach


def _alarm(log: LogCapture, event: str, code: str) -> dict[str, Any]:
    (line,) = [ln for ln in log.events(event) if ln["code"] == code]
    return line


def _drill(machine: Any) -> None:
    """A warning comes and goes, the E-stop chain trips while heating, a reset is refused while
    the chain is open, then ack, close the chain and reset."""
    machine.virtual.run_for(1.0)
    fault = machine.sim.faults.inject("tc_open", "feed_throat")  # monitor-only: a warning
    machine.virtual.run_for(3.0)
    machine.sim.faults.clear(fault)
    machine.virtual.run_for(3.0)
    machine.virtual.call(Preheat(actor=ENGINEER))
    machine.virtual.run_for(1.0)
    machine.sim.faults.inject("estop", None)
    reach(machine, "fault", 5.0)
    with pytest.raises(StateConflict):
        machine.virtual.call(Reset(actor=ENGINEER))
    machine.virtual.call(AckAll(actor=ENGINEER))
    machine.sim.faults.clear_all()
    machine.virtual.run_for(1.0)
    machine.virtual.call(Reset(actor=ENGINEER))
    reach(machine, "idle", 5.0)


@pytest.fixture
def drilled(make_machine: Any) -> LogCapture:
    machine = make_machine()
    eventlog.attach(machine.core)
    with capture_log("info") as log:
        _drill(machine)
    return log


def test_a_trip_is_an_error_line_with_its_code_and_source(drilled: LogCapture) -> None:
    trip = _alarm(drilled, "alarm_raised", "estop_chain")
    assert trip["level"] == "error" and trip["source"] == "machine"
    assert trip["severity"] == "trip" and trip["first_out"] is True


def test_a_warning_alarm_is_a_warning_line_and_its_clear_is_info(drilled: LogCapture) -> None:
    raised = [ln for ln in drilled.events("alarm_raised") if ln["source"] == "feed_throat"]
    assert raised and all(ln["level"] == "warning" for ln in raised)
    cleared = [ln for ln in drilled.events("alarm_cleared") if ln["source"] == "feed_throat"]
    assert [ln["code"] for ln in cleared] == [ln["code"] for ln in raised]
    assert all(ln["level"] == "info" for ln in cleared)


def test_ack_and_reset_are_info_lines(drilled: LogCapture) -> None:
    assert _alarm(drilled, "alarm_acked", "estop_chain")["level"] == "info"
    assert _alarm(drilled, "alarm_reset", "estop_chain")["level"] == "info"


def test_state_changes_are_info_with_from_to_and_reason(drilled: LogCapture) -> None:
    states = [(ln["from"], ln["to"], ln["level"]) for ln in drilled.events("state")]
    assert ("heating", "fault", "info") in states and ("fault", "idle", "info") in states
    assert all(ln["reason"] for ln in drilled.events("state"))


def test_a_refused_command_is_a_warning_with_who_and_the_error_code(
    drilled: LogCapture,
) -> None:
    refused = [ln for ln in drilled.events("audit") if ln["result"] == "refused"]
    assert len(refused) == 1
    line = refused[0]
    assert line["level"] == "warning" and line["action"] == "Reset"
    assert (line["who"], line["source"], line["error_code"]) == ("qa", "cli", "state_conflict")
    applied = [ln for ln in drilled.events("audit") if ln["result"] == "applied"]
    assert {ln["action"] for ln in applied} == {"Preheat", "AckAll", "Reset"}
    assert all(ln["level"] == "info" for ln in applied)


def test_nothing_but_trips_is_an_error_and_nothing_routine_a_warning(
    drilled: LogCapture,
) -> None:
    for line in drilled.lines:
        if line["level"] == "error":
            assert line["event"] == "alarm_raised" and line["severity"] == "trip", line
        elif line["level"] == "warning":
            is_alarm = line["event"] == "alarm_raised" and line["severity"] == "warning"
            assert is_alarm or (line["event"] == "audit" and line["result"] == "refused"), line
        else:
            assert line["level"] == "info", line


def test_a_latched_trip_restored_at_start_is_logged(make_machine: Any, tmp_path: Any) -> None:
    first = make_machine(data_dir=tmp_path)
    first.sim.faults.inject("estop", None)
    reach(first, "fault", 5.0)
    first.close()
    second = make_machine(data_dir=tmp_path)
    with capture_log("info") as log:
        eventlog.log_restored(second.core)
    line = _alarm(log, "alarm_restored", "estop_chain")
    assert line["level"] == "error" and line["source"] == "machine"
