"""The I/O registry: backends by name, and the hw backend building every handle from config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fake_pi import kernel, pi_probe
from test_drivers_fakes import FakeGPIO, feeder_on_gpio18, install_blinka, install_gpio

from hw.clock import VirtualClock
from hw.drivers.max31855 import Max31855Sensor
from hw.drivers.stepper import Dm556Stepper
from hw.io import MachineIO
from hw.registry import BACKENDS, SENSOR_TYPES, build_hw_io, build_io
from machine_config.config import Config

Variant = Callable[[Callable[[dict[str, Any]], None]], Config]


PI5 = "Raspberry Pi 5 Model B Rev 1.0"
PI5_CHIPS = {0: "1f00098000.pwm", 1: "1f0009c000.pwm"}


@pytest.fixture
def fake_pi(monkeypatch: pytest.MonkeyPatch) -> tuple[FakeGPIO, Any]:
    return install_gpio(monkeypatch), install_blinka(monkeypatch)


def test_unknown_backend_names_the_valid_ones(cfg: Config) -> None:
    with pytest.raises(ValueError, match=r"unknown I/O backend 'pi' \(valid: hw, sim\)"):
        build_io("pi", cfg, VirtualClock())


def test_registries_hold_the_expected_implementations() -> None:
    assert set(BACKENDS) == {"sim", "hw"}
    assert set(SENSOR_TYPES) == {"max31855"}


def test_sim_backend_builds_the_simulated_machine(cfg: Config) -> None:
    pytest.importorskip("hw.sim.machine")
    io = build_io("sim", cfg, VirtualClock())
    assert isinstance(io, MachineIO)
    assert set(io.zone_sensors) == set(cfg.zones)


def test_hw_backend_builds_every_handle_with_outputs_off(
    cfg: Config, fake_pi: tuple[FakeGPIO, Any], tmp_path: Path
) -> None:
    gpio, bus = fake_pi
    probe = pi_probe(tmp_path, PI5, PI5_CHIPS)
    io = build_hw_io(cfg, VirtualClock(), probe=probe)

    assert set(io.zone_sensors) == {"barrel", "nozzle"}
    assert set(io.monitor_sensors) == {"feed_throat", "motor_housing"}
    assert all(isinstance(s, Max31855Sensor) for s in [*io.zone_sensors.values()])
    assert [cs.pin.id for cs in bus.chip_selects] == [8, 7, 25, 24]
    assert set(io.heaters) == {"barrel", "nozzle"} and set(io.aux) == set(cfg.outputs.aux)
    for pin in (17, 27, 18, 15, 22, 23, 4):  # heaters, contactor, heartbeat, aux: active high
        assert gpio.writes.count((pin, 1)) == 0, f"GPIO {pin} was driven ON during start-up"
        assert gpio.levels[pin] == 0
    assert {pin: gpio.levels[pin] for pin in (6, 21)} == {6: 1, 21: 1}, "drivers disabled"
    pwm = kernel(probe)
    assert [(pwm.state(0, c).enable, pwm.state(0, c).duty_cycle) for c in (0, 1)] == [(0, 0)] * 2
    assert all(isinstance(s, Dm556Stepper) for s in io.steppers.values())
    assert gpio.pulls[2] == FakeGPIO.PUD_UP
    assert io.start_button is not None and io.stop_button is not None
    assert io.extras["board"] == "pi5"


def test_hw_handles_work_end_to_end(
    cfg: Config, fake_pi: tuple[FakeGPIO, Any], tmp_path: Path
) -> None:
    gpio, bus = fake_pi
    gpio.setmode(FakeGPIO.BCM)
    gpio.levels[2] = 0  # E-stop chain closed
    probe = pi_probe(tmp_path, PI5, PI5_CHIPS)
    io = build_hw_io(cfg, VirtualClock(), probe=probe)
    pwm = kernel(probe)
    bus.queue(8, 0x0C80_0000 | 0x190 << 4)

    io.heaters["barrel"].set(True)
    io.steppers["screw"].set_step_hz(800.0)
    assert gpio.levels[17] == 1
    assert pwm.stepping(0, 0) and pwm.state(0, 0).period == 1_250_000
    reading = io.zone_sensors["barrel"].read()  # 200.00 °C linear, 202.1 °C by NIST Type K
    assert reading is not None and reading.temperature_c == pytest.approx(202.11, abs=0.06)
    assert io.estop_ok.read() is True

    io.close()
    assert gpio.levels[17] == 0 and not pwm.stepping(0, 0)
    assert pwm.state(0, 0).enable == 0


def test_hw_backend_refuses_a_simulated_sensor(
    variant: Variant, fake_pi: tuple[FakeGPIO, Any], tmp_path: Path
) -> None:
    gpio, _ = fake_pi
    cfg = variant(lambda d: d["zones"]["nozzle"]["sensor"].update(type="sim"))
    with pytest.raises(ValueError, match=r"zones.nozzle.sensor.type: 'sim' .*valid: max31855"):
        build_hw_io(cfg, VirtualClock(), probe=pi_probe(tmp_path, PI5, PI5_CHIPS))
    assert 2 in gpio.cleaned, "a failed build releases the inputs it had claimed"
    assert gpio.levels[17] == 0


def test_hw_backend_refuses_step_pins_sharing_a_pi4_channel(
    variant: Variant, fake_pi: tuple[FakeGPIO, Any], tmp_path: Path
) -> None:
    gpio, _ = fake_pi
    cfg = variant(feeder_on_gpio18)
    probe = pi_probe(tmp_path, "Raspberry Pi 4 Model B Rev 1.4", {0: "fe20c000.pwm"})
    with pytest.raises(ValueError, match=r"motors\.feeder\.step_pin: GPIO 18 shares"):
        build_hw_io(cfg, VirtualClock(), probe=probe)
    assert gpio.modes == {}, "nothing claimed before the check"


def test_hw_backend_without_the_pwm_overlay_says_how_to_fix_it(
    cfg: Config, fake_pi: tuple[FakeGPIO, Any], tmp_path: Path
) -> None:
    with pytest.raises(RuntimeError, match="dtoverlay=pwm-2chan"):
        build_hw_io(cfg, VirtualClock(), probe=pi_probe(tmp_path, PI5, {1: "1f0009c000.pwm"}))


def test_a_pin_another_process_holds_fails_the_start_and_releases_the_rest(
    cfg: Config, fake_pi: tuple[FakeGPIO, Any], tmp_path: Path
) -> None:
    """lgpio says 'GPIO busy' for a line claimed elsewhere (a second instance, a leftover tool)."""
    gpio, _ = fake_pi
    gpio.claimed_elsewhere.add(cfg.outputs.heartbeat.pin)
    with pytest.raises(OSError, match="GPIO busy"):
        build_hw_io(cfg, VirtualClock(), probe=pi_probe(tmp_path, PI5, PI5_CHIPS))
    for zone in cfg.zones.values():
        assert gpio.levels[zone.heater.pin] == 0
    assert gpio.levels[cfg.outputs.heater_contactor.pin] == 0
