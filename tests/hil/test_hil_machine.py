"""Hardware in the loop: the same checks as the simulator's, on the real Pi (only with --hil)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.machine import build_machine
from control.commands import EStop, Reset
from tests.support import CONFIG_PATH

pytestmark = pytest.mark.hil


@pytest.fixture
def machine(tmp_path: Path):  # type: ignore[no-untyped-def]
    from control.config import load_config

    m = build_machine(load_config(CONFIG_PATH), "hw", data_dir=tmp_path)
    assert m.runner is not None
    m.runner.start()
    yield m
    m.close()


def test_power_on_is_idle_with_fresh_plausible_sensors(machine) -> None:  # type: ignore[no-untyped-def]
    time.sleep(1.0)  # real hardware, real time
    snap = machine.core.snapshot
    assert snap.state in ("idle", "fault")
    for zone in snap.zones:
        assert zone.sensor_ok and zone.temperature_c is not None and -10 < zone.temperature_c < 400
        assert not zone.heater_on
    assert all(not m.enabled for m in snap.motors)


def test_estop_then_reset_energises_nothing(machine) -> None:  # type: ignore[no-untyped-def]
    machine.core.submit(EStop()).result(timeout=2)
    time.sleep(0.2)
    assert machine.core.snapshot.state == "fault"
    machine.core.submit(Reset(ack=True)).result(timeout=2)
    time.sleep(0.2)
    snap = machine.core.snapshot
    assert snap.state == "idle" and not any(z.heater_on for z in snap.zones)
    assert not any(o.on for o in snap.outputs)
