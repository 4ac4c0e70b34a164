"""The harness's own pieces: rig.yaml refusals and caps, edge traces, the sim step train."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.hil.harness import Pins, Trace
from tests.hil.rig import RigError, load_rig
from tests.hil.simrig import StepPins
from tests.support import raw_config

RIG = Path(__file__).parent / "rig.yaml"


def rig_with(tmp_path: Path, **changes: object) -> Path:
    data = yaml.safe_load(RIG.read_text())
    data["rig"].update(changes)
    path = tmp_path / "rig.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_shipped_rig_caps_the_machine() -> None:
    spec, cfg = load_rig(RIG, raw_config())
    assert all(z.setpoint_c <= spec.limits.setpoint_c for z in cfg.zones.values())
    assert all(z.trip_max_c <= spec.limits.trip_max_c for z in cfg.zones.values())
    assert all(m.max_rpm <= spec.limits.max_rpm for m in cfg.motors.values())
    assert not cfg.outputs.aux and not cfg.sensors


def test_a_rig_wired_to_loads_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RigError, match="loads_disconnected"):
        load_rig(rig_with(tmp_path, loads_disconnected=False), raw_config())


@pytest.mark.parametrize("pin", [17, 9, 22])  # a heater, reserved SPI, another rig input
def test_a_rig_pin_clashing_with_the_machine_is_refused(tmp_path: Path, pin: int) -> None:
    with pytest.raises(RigError, match=rf"rig\.estop_relay_pin: GPIO {pin} is already"):
        load_rig(rig_with(tmp_path, estop_relay_pin=pin), raw_config())


def test_rig_caps_cannot_exceed_the_safe_maximum(tmp_path: Path) -> None:
    with pytest.raises(RigError, match="max_rpm"):
        load_rig(rig_with(tmp_path, limits={"max_rpm": 300}), raw_config())


def test_a_loopback_of_an_unknown_output_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RigError, match=r"motors\.screw\.brake"):
        load_rig(rig_with(tmp_path, loopback={"motors.screw.brake": 22}), raw_config())


def test_trace_measures_duty_and_when_a_pin_went_low() -> None:
    trace = Trace(0.0, False)
    for t, level in ((0.2, True), (0.5, False), (1.2, True), (1.4, False)):
        trace.record(t, level)
    assert trace.high_fraction(0.0, 1.0) == pytest.approx(0.3)
    assert trace.rises(0.0, 2.0) == [0.2, 1.2]
    assert trace.low_since(1.0, 2.0) == 1.4
    assert trace.low_since(1.0, 1.3) is None


def test_sim_step_pins_pulse_at_the_rate_and_stop_low() -> None:
    trace = Trace(0.0, False)
    steps = StepPins(trace)
    steps.set_hz(100.0, 1.0)
    steps.flush(2.0)
    assert len(trace.rises(1.0, 2.0)) == 100
    steps.set_hz(0.0, 2.005)  # mid-pulse
    steps.flush(3.0)
    assert not trace.level_at(3.0) and trace.rises(2.005, 3.0) == []


def test_the_committed_wiring_diagram_matches_rig_yaml() -> None:
    """docs/hil-rig.svg is generated: `python -m tests.hil.rig_diagram` after editing rig.yaml."""
    from tests.hil.rig_diagram import SVG, render

    assert SVG.read_text(encoding="utf-8") == render()


class _StillStepping:
    """A rig whose screw still pulses at 10 Hz and reads low at the moment it is asked."""

    def __init__(self) -> None:
        self.spec, self.cfg = load_rig(RIG, raw_config())
        self.steps = Trace(0.0, False)
        wave = StepPins(self.steps)
        wave.set_hz(10.0, 0.0)
        wave.flush(self.now())

    def now(self) -> float:
        return 4.06  # 10 Hz from 0: high on [4.0, 4.05), low on [4.05, 4.1)

    def trace(self, key: str) -> Trace:
        return self.steps


def test_a_running_step_train_is_never_off_for_good() -> None:
    """A square wave caught between pulses is still stepping: off_since must say so."""
    rig = _StillStepping()
    assert not rig.trace("motors.screw.step").level_at(rig.now()), "caught between pulses"
    assert Pins(rig).off_since("motors.screw.step", 1.0) is None  # type: ignore[arg-type]


def test_the_supervisor_follows_the_units_service_times(tmp_path: Path) -> None:
    from tests.hil.supervisor import UnitTiming, read_unit

    assert read_unit() == UnitTiming(watchdog_s=5.0, restart_s=3.0, stop_timeout_s=15.0)
    unit = tmp_path / "x.service"
    unit.write_text("[Unit]\nWatchdogSec=1\n[Service]\nRestartSec=500ms\nTimeoutStopSec=2s\n")
    with pytest.raises(ValueError, match="no WatchdogSec"):
        read_unit(unit)  # only [Service] counts
