"""The snapshot keeps views that did not change; a change still shows in the very next snapshot."""

from __future__ import annotations

from dataclasses import MISSING, asdict, fields
from typing import Any, get_type_hints

import pytest

from control import capture as cap
from control import commands as c
from control.snapshot import (
    GateView,
    LoopView,
    MotorView,
    OutputView,
    PidGains,
    SensorView,
    Snapshot,
    ZoneView,
)
from control.snapshot_build import SnapshotBuilder
from tests.scenario.helpers import ENGINEER


def _reference_views(core: Any) -> dict[str, Any]:
    """The views of the live core, each built by keyword (as the eager builder once did)."""
    now, band_c = core.now_s, core.cfg.sequence.band_c
    zones = []
    for z in core.zones.values():
        age, temp, tune = z.track.age_s(now), z.track.temperature_c, core.autotunes.get(z.id)
        stale = None if z.sensor_ok or z.track.last_ok_s is None else "stale"
        zones.append(
            ZoneView(
                id=z.id,
                name=z.cfg.name,
                temperature_c=None if temp is None else round(temp, 2),
                setpoint_c=z.setpoint_c,
                setpoint_max_c=z.cfg.setpoint_max_c,
                duty=round(z.duty, 4),
                heater_on=z.heater_on,
                sensor_ok=z.sensor_ok,
                fault=z.track.fault or stale,
                age_s=None if age is None else round(age, 3),
                at_setpoint=z.in_band(band_c),
                pid=PidGains(kp=z.pid.kp, ki=z.pid.ki, kd=z.pid.kd),
                manual_duty=z.manual_duty,
                autotune=tune.state if tune is not None else "idle",
            )
        )
    motors = [
        MotorView(
            id=m.id,
            name=m.cfg.name,
            rpm=round(m.rpm, 2),
            target_rpm=m.target_rpm,
            run_rpm=m.run_rpm,
            max_rpm=m.cfg.max_rpm,
            enabled=m.enabled,
            running=m.running,
            fault="driver_alarm" if m.alarm else None,
        )
        for m in core.motors.values()
    ]
    outputs = [
        OutputView(id=i, name=o.name, on=core.aux_on[i]) for i, o in core.cfg.outputs.aux.items()
    ]
    soak = core.seq.soak_remaining_s()
    gate = GateView(
        ok=core.seq.gate_ok,
        soak_remaining_s=None if soak is None else round(soak, 1),
        blocking=core.seq.blocking,
    )
    loop = LoopView(
        tick_s=core.cfg.machine.tick_s,
        last_tick_age_s=0.0,
        overruns=core.overruns,
        ticks=core.ticks,
    )
    return {
        "zones": tuple(zones),
        "motors": tuple(motors),
        "outputs": tuple(outputs),
        "gate": gate,
        "loop": loop,
    }


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


def _rest_body_by_asdict(snap: Snapshot) -> dict[str, Any]:
    """API.md's status body made the slow, obvious way, to check the fast to_dict() against."""
    body: dict[str, Any] = {"timestamp": snap.timestamp}
    for name in ("wall_s", "monotonic_s", "uptime_s", "state", "mode", "hmi_enabled"):
        body[name] = getattr(snap, name)
    body["start_blocked"] = snap.start_blocked
    body["gate"] = {**asdict(snap.gate), "blocking": list(snap.gate.blocking)}
    for name in ("zones", "sensors", "motors", "outputs"):
        body[name] = [asdict(view) for view in getattr(snap, name)]
    body["alarms"] = [{**asdict(a), "state": a.state} for a in snap.alarms]
    body["loop"] = asdict(snap.loop)
    body["sequence_step"] = snap.sequence_step
    body["estop_chain_ok"] = snap.estop_chain_ok
    return body


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
        for name, view in _reference_views(m.core).items():
            assert getattr(snap, name) == view, f"{name} at tick {tick} in {snap.state}"
        if tick % 50 == 0 or tick in script:
            assert snap.to_dict() == _rest_body_by_asdict(snap), f"REST body at tick {tick}"
        states.add(snap.state)
    assert {"heating", "ready", "starting", "running", "fault", "idle"} <= states


def test_a_snapshot_cannot_be_changed_and_shows_the_same_views_on_every_read(make_machine) -> None:
    m = make_machine()
    m.virtual.step(3)
    snap = m.core.snapshot
    with pytest.raises(AttributeError):
        snap.state = "running"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        snap.zones = ()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        snap.zones[0].setpoint_c = 500.0  # type: ignore[misc]
    assert snap.zones is snap.zones and snap.gate is snap.gate
    assert snap.state == "idle" and isinstance(snap, Snapshot)
    later = snap.replace(wall_s=snap.wall_s + 1.0)
    assert later.wall_s == snap.wall_s + 1.0 and later.zones == snap.zones
    assert snap.wall_s != later.wall_s  # the original is untouched


@pytest.mark.parametrize(
    ("capture", "view"),
    [
        (cap.GateCapture, GateView),
        (cap.ZoneCapture, ZoneView),
        (cap.SensorCapture, SensorView),
        (cap.MotorCapture, MotorView),
        (cap.OutputCapture, OutputView),
        (cap.LoopCapture, LoopView),
    ],
)
def test_each_capture_holds_its_views_fields_in_the_views_order(capture: Any, view: Any) -> None:
    """Views are made positionally from their captures: a field out of place would publish
    one value under another's name."""
    named = fields(view)[: len(capture._fields)]
    assert capture._fields == tuple(f.name for f in named)
    hints, view_hints = get_type_hints(capture), get_type_hints(view)
    assert [hints[f.name] for f in named] == [view_hints[f.name] for f in named]
    assert all(f.default is not MISSING for f in fields(view)[len(named) :])  # ZoneView.heated


def test_a_driver_alarm_on_a_standing_motor_shows_in_the_next_snapshot_and_so_does_its_clear(
    make_machine,
) -> None:
    m = make_machine()
    m.virtual.step(3)
    assert m.core.snapshot.motor("screw").fault is None
    fault = m.sim.faults.inject("driver_alarm", "screw")
    m.virtual.step()
    assert m.core.snapshot.motor("screw").fault == "driver_alarm"
    assert m.core.snapshot.motor("feeder").fault is None
    m.sim.faults.clear(fault)
    m.virtual.step()
    assert m.core.snapshot.motor("screw").fault is None
