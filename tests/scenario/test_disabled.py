"""hmi_enabled false: the legacy panel is in charge, every output off, control commands refused."""

from __future__ import annotations

import pytest

from control.commands import (
    AckAll,
    EStop,
    Preheat,
    Reset,
    SetHmiEnabled,
    SetOutput,
    SetSetpoint,
    Start,
    Stop,
)
from control.errors import HmiDisabled, StateConflict
from tests.scenario.helpers import ENGINEER, energised, reach_running, trips


def test_disabled_refuses_control_but_accepts_stop_estop_and_acks(make_machine, tmp_path) -> None:
    m = make_machine(data_dir=tmp_path)
    m.virtual.call(SetOutput(output="nozzle_fan", on=True, actor=ENGINEER))
    m.virtual.call(SetHmiEnabled(enabled=False, actor=ENGINEER))
    m.virtual.step()
    snap = m.core.snapshot
    assert snap.state == "disabled" and not snap.hmi_enabled
    assert energised(m) == [] and not m.sim.output("motor_fan").on
    for cmd in (Start(), Preheat(), SetSetpoint(zone="barrel", setpoint_c=190.0),
                SetOutput(output="nozzle_fan", on=True)):  # fmt: skip
        with pytest.raises(HmiDisabled):
            m.virtual.call(cmd)
    m.virtual.call(Stop(actor=ENGINEER))
    m.virtual.call(EStop(actor=ENGINEER))
    assert ("estop", "machine") in trips(m) and m.core.snapshot.state == "disabled"
    m.virtual.call(AckAll(actor=ENGINEER))
    m.close()

    again = make_machine(data_dir=tmp_path)  # the switch is persisted
    assert again.core.snapshot.state == "disabled"
    again.virtual.call(SetHmiEnabled(enabled=True, actor=ENGINEER))
    again.virtual.step()
    assert again.core.snapshot.state == "fault"  # the estop latched while disabled
    again.virtual.call(Reset(ack=True, actor=ENGINEER))
    assert again.core.snapshot.state == "idle" and energised(again) == []


def test_cannot_hand_over_while_the_screw_turns(make_machine) -> None:
    m = make_machine()
    reach_running(m)
    with pytest.raises(StateConflict, match="stop the machine"):
        m.virtual.call(SetHmiEnabled(enabled=False, actor=ENGINEER))
    assert m.core.snapshot.state == "running"
