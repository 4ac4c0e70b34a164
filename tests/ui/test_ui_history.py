"""The in-memory trend history: bucketed series and event markers (no display needed)."""

from __future__ import annotations

from typing import Any

from app.ui.history import RingHistory, event_marker
from control.core import Event


def test_ring_history_buckets_and_markers(make_machine: Any) -> None:
    from control.commands import SetSetpoint, Start

    machine = make_machine()
    ring = RingHistory.attach(machine.core)
    machine.virtual.call(Start())
    machine.virtual.call(SetSetpoint("barrel", 190.0))
    machine.virtual.run_for(120)
    now = machine.core.snapshot.wall_s
    series = ring.series(["barrel.temperature_c", "nozzle.setpoint_c", "x.y"], now - 60, now, 10)
    temps = series["barrel.temperature_c"]
    assert 6 <= len(temps) <= 7 and all(t % 10 == 0 for t, _ in temps)
    assert temps[-1][1] > temps[0][1]  # heating
    assert {v for _, v in series["nozzle.setpoint_c"]} == {210.0} and series["x.y"] == []
    kinds = {e.kind for e in ring.events(now - 300, now + 1)}
    assert {"state", "setpoint"} <= kinds


def test_markers_only_for_raised_alarms() -> None:
    raised = {"action": "raised", "alarm": {"message": "m", "severity": "trip"}}
    assert event_marker("alarm", 1.0, raised) is not None
    assert event_marker("alarm", 1.0, {**raised, "action": "acked"}) is None
    assert event_marker("audit", 1.0, {"action": "Start", "result": "applied"}) is None
    assert event_marker("state", 1.0, Event("state", 1.0, {}).data) is not None


def test_historian_adapter_reads_series_and_markers(tmp_path: Any) -> None:
    """The Trends screen reads the SQLite historian (app/storage) as `tvemicro run` wires it."""
    from app.services.machine import build_machine
    from app.storage.wiring import build_storage
    from app.ui.services import default_services
    from control.commands import SetSetpoint, Start
    from machine_config.config import parse_config
    from tests.support import raw_config

    cfg = parse_config(raw_config(), "config.yaml")
    storage = build_storage(cfg, tmp_path)
    machine = build_machine(cfg, "sim", virtual=True, data_dir=tmp_path, sinks=storage.sinks())
    try:
        storage.attach(machine)
        services = default_services(machine, cfg)
        assert services.sessions is storage.historian  # logins go to the historian's events
        machine.virtual.call(Start())
        machine.virtual.call(SetSetpoint("barrel", 195.0))
        machine.virtual.run_for(90)
        assert storage.historian is not None and storage.historian.flush()
        now = machine.core.snapshot.wall_s
        names = ["barrel.temperature_c", "screw.rpm"]
        series = services.history.series(names, now - 60, now + 1, 5)
        assert len(series["barrel.temperature_c"]) >= 10 and series["screw.rpm"]
        kinds = {e.kind for e in services.history.events(now - 120, now + 1)}
        assert {"state", "setpoint"} <= kinds
    finally:
        machine.close()
        storage.close()
