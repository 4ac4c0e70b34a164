"""The snapshot keeps views that did not change; a change still shows in the very next snapshot."""

from __future__ import annotations

from typing import Any

from control import commands as c
from control.snapshot import PidGains
from control.snapshot_build import SnapshotBuilder
from tests.scenario.helpers import ENGINEER


def test_new_setpoint_and_gains_show_in_the_next_snapshot(make_machine) -> None:
    m = make_machine()
    m.virtual.step(3)
    m.virtual.call(c.SetSetpoint(zone="barrel", setpoint_c=205.0, actor=ENGINEER))
    assert m.core.snapshot.zone("barrel").setpoint_c == 205.0
    m.virtual.call(c.SetPid(zone="nozzle", kp=0.7, ki=0.003, kd=1.5, actor=ENGINEER))
    snap = m.core.snapshot
    assert snap.zone("nozzle").pid == PidGains(kp=0.7, ki=0.003, kd=1.5)
    assert snap.zone("barrel").pid == PidGains(kp=0.5, ki=0.002, kd=1.0)


def test_run_speed_and_outputs_show_in_the_next_snapshot_while_nothing_moves(make_machine) -> None:
    m = make_machine()
    m.virtual.step(3)
    m.virtual.call(c.SetRunRpm(motor="feeder", rpm=12.5, actor=ENGINEER))
    assert m.core.snapshot.motor("feeder").run_rpm == 12.5
    m.virtual.call(c.SetOutput(output="nozzle_fan", on=True, actor=ENGINEER))
    assert {o.id: o.on for o in m.core.snapshot.outputs}["nozzle_fan"] is True
    m.virtual.call(c.SetOutput(output="nozzle_fan", on=False, actor=ENGINEER))
    assert {o.id: o.on for o in m.core.snapshot.outputs}["nozzle_fan"] is False


def test_every_published_snapshot_equals_one_built_from_scratch(make_machine) -> None:
    """Through heat-up, soak, start, running, speed and gain changes, a trip and its reset."""
    m = make_machine()
    for zid in m.cfg.zones:
        m.sim.set_plant_temperature(zid, m.cfg.zones[zid].setpoint_c - 8.0)
    script: dict[int, Any] = {
        2: c.Preheat(actor=ENGINEER),
        40: c.SetOutput(output="water_pump", on=True, actor=ENGINEER),
        300: c.SetPid(zone="barrel", kp=0.6, ki=0.002, kd=1.0, actor=ENGINEER),
        2400: c.Start(actor=ENGINEER),
        2700: c.SetRunRpm(motor="screw", rpm=35.0, actor=ENGINEER),
        2900: c.EStop(actor=ENGINEER),
        2960: c.Reset(ack=True, actor=ENGINEER),
    }
    states = set()
    for tick in range(3000):
        if tick in script:
            m.core.submit(script[tick])
        m.virtual.step()
        snap = m.core.snapshot
        assert snap == SnapshotBuilder(m.core).build(), f"tick {tick} in {snap.state}"
        states.add(snap.state)
    assert {"heating", "ready", "starting", "running", "fault", "idle"} <= states
