"""Drills for output writes that fail like a GPIO line whose chip went away (OSError EIO):
the failing zone or motor trips with an alarm naming it, everything else goes safe, the loop
keeps ticking, and reset waits until the output can be driven again."""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.services.machine import Machine
from control.commands import Reset
from control.core import ControlCore
from control.errors import StateConflict
from control.runner import VirtualRunner
from hw.clock import VirtualClock
from hw.registry import build_io
from machine_config.config import Config, parse_config
from tests.scenario.helpers import ENGINEER, energised, reach, reach_running, trips
from tests.support import raw_config


class FailingWrites:
    """Wraps a real (simulated) output; while `broken`, every write raises OSError(EIO) and
    leaves the pin where it was, as a write to a vanished gpiochip line does."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.broken = False
        self.failed_writes = 0

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if name not in ("set", "set_step_hz", "set_enabled", "set_direction"):
            return attr

        def write(*args: Any) -> Any:
            if self.broken:
                self.failed_writes += 1
                raise OSError(errno.EIO, "Input/output error")
            return attr(*args)

        return write


def _wrap(io: Any, target: str) -> FailingWrites:
    kind, _, name = target.partition(":")
    table = {"heater": io.heaters, "motor": io.steppers, "aux": io.aux}.get(kind)
    if table is None:
        wrapped = FailingWrites(getattr(io, kind))
        setattr(io, kind, wrapped)
        return wrapped
    table[name] = FailingWrites(table[name])
    return table[name]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Any]:
    """build(target) -> (machine, the wrapped output) on a virtual clock; closed afterwards."""
    built: list[Machine] = []

    def build(target: str) -> tuple[Machine, FailingWrites]:
        cfg: Config = parse_config(raw_config(), "config.yaml")
        clock = VirtualClock()
        io = build_io("sim", cfg, clock)
        wrapped = _wrap(io, target)
        core = ControlCore(cfg, io, clock, data_dir=tmp_path)
        machine = Machine(cfg, "sim", clock, io, core, tmp_path, virtual=VirtualRunner(core, clock))
        built.append(machine)
        return machine, wrapped

    yield build
    for machine in built:
        wrapped_all = [machine.io.heaters, machine.io.steppers, machine.io.aux]
        for table in wrapped_all:
            for out in table.values():
                if isinstance(out, FailingWrites):
                    out.broken = False
        machine.close()


CASES = [  # (output, alarm code, alarm source)
    ("heater:barrel", "heater_write_failed", "barrel"),
    ("heater:nozzle", "heater_write_failed", "nozzle"),
    ("motor:screw", "motor_write_failed", "screw"),
    ("heater_contactor", "contactor_write_failed", "machine"),
    ("aux:water_pump", "aux_write_failed", "water_pump"),
]


@pytest.mark.parametrize(("target", "code", "source"), CASES)
def test_failed_output_write_trips_that_output_and_the_rest_goes_safe(
    rig: Any, target: str, code: str, source: str
) -> None:
    m, out = rig(target)
    reach_running(m)  # heaters regulating, motors turning, pump on while running
    out.broken = True
    # unchanged outputs are rewritten at least every REFRESH_TICKS, so a write comes soon
    assert m.virtual.run_until(lambda: out.failed_writes > 0, 2.0)
    snap = m.core.snapshot
    assert snap.state == "fault"
    assert (code, source) in trips(m)
    alarm = next(a for a in snap.alarms if a.code == code)
    assert "EIO" in alarm.message
    if target.startswith("heater:"):  # a heater we cannot command loses its feed this tick
        assert m.sim.output("heater_contactor").on is False
    m.virtual.run_for(30.0)  # the loop keeps ticking; everything it can drive is off
    assert m.core.snapshot.loop.ticks > snap.loop.ticks
    stuck = {f"heater:{source}", f"aux:{source}", "heater_contactor"}  # the pin we cannot drive
    assert [o for o in energised(m) if o not in stuck and not o.endswith(source)] == []


def test_reset_waits_until_the_output_can_be_driven_again(rig: Any) -> None:
    m, out = rig("heater:barrel")
    reach_running(m)
    out.broken = True
    m.virtual.run_for(5.0)
    with pytest.raises(StateConflict) as refused:
        m.virtual.call(Reset(ack=True, actor=ENGINEER))
    assert {"code": "heater_write_failed", "source": "barrel", "reason": "present"} in (
        refused.value.details["causes"]
    )
    out.broken = False
    m.virtual.run_for(1.0)
    m.virtual.call(Reset(ack=True, actor=ENGINEER))
    reach(m, "idle", 1.0)
    m.virtual.run_for(5.0)
    assert energised(m) == []  # reset energises nothing by itself
    assert m.core.snapshot.alarms == ()


def test_the_safe_state_path_logs_a_write_it_could_not_make(
    rig: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """hw.io.quietly keeps going past a failed write (everything else must still go off) but
    no longer hides it."""
    m, out = rig("heater:barrel")
    out.broken = True
    with caplog.at_level(logging.WARNING, logger="hw.io"):
        m.io.all_outputs_off()
    assert out.failed_writes == 1
    assert any("OSError" in r.getMessage() for r in caplog.records)
