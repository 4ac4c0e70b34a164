"""The simulator's pins mirrored to a file that outlives the process (TVEMICRO_SIM_PIN_FILE)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hw.clock import VirtualClock
from hw.registry import build_io
from hw.sim import SimMachine
from hw.sim.pinfile import PIN_FILE_ENV, read_pin_file
from machine_config.config import Config


def run_a_machine(cfg: Config, path: Path) -> SimMachine:
    """A machine that heats both zones and steps the screw, then 'dies' (is never closed)."""
    machine = SimMachine.from_config(cfg, VirtualClock())
    machine.mirror_pins(path)
    io = machine.io()
    io.heater_contactor.set(True)
    for heater in io.heaters.values():
        heater.set(True)
    io.steppers["screw"].set_enabled(True)
    io.steppers["screw"].set_step_hz(800.0)
    io.heartbeat.set(True)
    return machine


def test_the_file_follows_the_pins_electrically(cfg: Config, tmp_path: Path) -> None:
    path = tmp_path / "pins.json"
    run_a_machine(cfg, path)
    levels, pwm = read_pin_file(path) or ({}, {})
    assert levels["zones.barrel.heater"] == 1 and levels["outputs.heater_contactor"] == 1
    assert levels["motors.screw.enable"] == 0, "enable is active low on this wiring"
    assert levels["motors.feeder.enable"] == 1, "a disabled active-low enable reads high"
    screw = pwm["screw"]
    assert (screw.enable, screw.period_ns, screw.duty_ns) == (1, 1_250_000, 625_000)
    assert screw.step_hz == pytest.approx(800.0)


def test_a_dead_process_leaves_its_pins_and_the_next_start_drives_them_off(
    cfg: Config, tmp_path: Path
) -> None:
    path = tmp_path / "pins.json"
    run_a_machine(cfg, path)  # never closed: the process was killed
    levels, pwm = read_pin_file(path) or ({}, {})
    assert levels["zones.barrel.heater"] == 1 and pwm["screw"].enable == 1, "state kept"

    SimMachine.from_config(cfg, VirtualClock()).mirror_pins(path)  # the restarted process

    levels, pwm = read_pin_file(path) or ({}, {})
    assert levels["zones.barrel.heater"] == levels["zones.nozzle.heater"] == 0
    assert levels["outputs.heater_contactor"] == levels["outputs.heartbeat"] == 0
    assert levels["motors.screw.enable"] == 1, "claimed disabled (active low: high)"
    assert (pwm["screw"].enable, pwm["screw"].duty_ns) == (0, 0), "leftover step train stopped"


def test_close_and_reset_write_the_off_levels_through(cfg: Config, tmp_path: Path) -> None:
    path = tmp_path / "pins.json"
    machine = run_a_machine(cfg, path)
    machine.reset()
    levels, pwm = read_pin_file(path) or ({}, {})
    assert levels["zones.barrel.heater"] == 0 and pwm["screw"].enable == 0
    machine = run_a_machine(cfg, path)
    machine.io().close()
    levels, pwm = read_pin_file(path) or ({}, {})
    assert levels["outputs.heater_contactor"] == 0 and pwm["screw"].enable == 0


def test_only_the_env_var_turns_the_mirror_on(
    cfg: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pins.json"
    monkeypatch.delenv(PIN_FILE_ENV, raising=False)
    build_io("sim", cfg, VirtualClock()).heater_contactor.set(True)
    assert read_pin_file(path) is None, "off by default"
    monkeypatch.setenv(PIN_FILE_ENV, str(path))
    build_io("sim", cfg, VirtualClock()).heater_contactor.set(True)
    levels, _ = read_pin_file(path) or ({}, {})
    assert levels["outputs.heater_contactor"] == 1
