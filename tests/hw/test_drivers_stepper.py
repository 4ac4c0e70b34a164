"""DM556 stepper: pin → PWM routing, step-rate checks, hardware PWM first and software fallback."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import pytest
from fake_sysfs_pwm import ChannelState, fake_plan
from test_drivers_fakes import FakeGPIO, install_gpio

from hw.clock import VirtualClock
from hw.drivers.pwm import (
    BoardProbe,
    PwmPlan,
    PwmUnavailable,
    board_from_model,
    check_step_pins,
    checked_step_hz,
    pwm_channel_for,
    pwm_chip_for,
    pwm_route,
    read_pwm_chips,
)
from hw.drivers.stepper import Dm556Stepper, rpm_for_step_hz, step_hz_for_rpm
from machine_config.config import MotorConfig

PI4_CHIPS = {0: "fe20c000.pwm"}
PI5_K66_CHIPS = {0: "107d517a80.pwm", 2: "1f00098000.pwm", 6: "1f0009c000.pwm"}
PI5_K612_CHIPS = {0: "1f00098000.pwm", 1: "1f0009c000.pwm"}


@pytest.mark.parametrize(
    ("pin", "pi4", "pi5"),
    [(12, 0, 0), (13, 1, 1), (18, 0, 2), (19, 1, 3), (5, None, None), (17, None, None)],
)
def test_pwm_channel_for_each_header_pin(pin: int, pi4: int | None, pi5: int | None) -> None:
    assert pwm_channel_for(pin, "pi4") == pi4
    assert pwm_channel_for(pin, "pi5") == pi5


@pytest.mark.parametrize(
    ("board", "chips", "chip"),
    [("pi4", PI4_CHIPS, 0), ("pi5", PI5_K66_CHIPS, 2), ("pi5", PI5_K612_CHIPS, 0)],
)
def test_pwm_chip_is_found_by_device_not_by_number(
    board: str, chips: dict[int, str], chip: int
) -> None:
    assert pwm_chip_for(board, chips) == chip
    assert pwm_route(13, board, chips) == (chip, 1)


def test_pwm_route_is_none_for_a_pin_without_hardware_pwm() -> None:
    assert pwm_route(5, "pi5", PI5_K612_CHIPS) is None


def test_pwm_route_explains_a_missing_overlay() -> None:
    with pytest.raises(PwmUnavailable, match="dtoverlay=pwm-2chan"):
        pwm_route(12, "pi5", {1: "1f0009c000.pwm"})  # only the fan's block


@pytest.mark.parametrize(
    ("model", "board"),
    [
        ("Raspberry Pi 5 Model B Rev 1.0", "pi5"),
        ("Raspberry Pi 4 Model B Rev 1.4", "pi4"),
        ("Raspberry Pi Compute Module 4 Rev 1.0", "pi4"),
        ("Raspberry Pi 400 Rev 1.0", "pi4"),
    ],
)
def test_board_from_model(model: str, board: str) -> None:
    assert board_from_model(model) == board


def test_board_from_model_refuses_other_boards() -> None:
    with pytest.raises(ValueError, match="Pi 4 and 5"):
        board_from_model("Raspberry Pi 3 Model B Plus Rev 1.3")


def test_board_probe_reads_model_and_pwm_chips(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.write_bytes(b"Raspberry Pi 5 Model B Rev 1.0\x00")
    pwm_root = tmp_path / "pwm"
    for number, device in PI5_K66_CHIPS.items():
        (tmp_path / device).mkdir()
        (pwm_root / f"pwmchip{number}").mkdir(parents=True)
        (pwm_root / f"pwmchip{number}" / "device").symlink_to(tmp_path / device)

    plan = BoardProbe(model_path=model, pwm_root=pwm_root).detect()

    assert plan == PwmPlan("pi5", PI5_K66_CHIPS, pwm_root)
    assert read_pwm_chips(tmp_path / "absent") == {}


def test_board_probe_off_a_pi_says_so(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not a Raspberry Pi"):
        BoardProbe(model_path=tmp_path / "missing", pwm_root=tmp_path).detect()


def test_two_step_pins_on_one_pi4_channel_are_refused() -> None:
    pins = {"motors.screw.step_pin": 12, "motors.feeder.step_pin": 18}
    with pytest.raises(ValueError, match=r"motors\.feeder\.step_pin: GPIO 18 shares hardware PWM"):
        check_step_pins(pins, "pi4")
    check_step_pins(pins, "pi5")  # four channels: fine
    check_step_pins({"a": 5, "b": 6}, "pi4")  # software pins share nothing


def test_step_rate_maths_for_the_default_motors() -> None:
    assert step_hz_for_rpm(30, 200, 8) == 800
    assert step_hz_for_rpm(60, 200, 8) == 1600
    assert rpm_for_step_hz(200_000, 200, 8) == 7500
    assert rpm_for_step_hz(1_000, 200, 8) == 37.5


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, -math.inf, 1_000.5])
def test_checked_step_hz_rejects_bad_rates(bad: float) -> None:
    with pytest.raises(ValueError):
        checked_step_hz(bad, 1_000.0)


def test_checked_step_hz_rejects_non_numbers() -> None:
    with pytest.raises(TypeError):
        checked_step_hz(True, 1_000.0)


def test_checked_step_hz_treats_too_slow_as_stopped() -> None:
    assert checked_step_hz(0.05, 1_000.0) == 0.0
    assert checked_step_hz(0.1, 1_000.0) == 0.1


def motor(**overrides: Any) -> MotorConfig:
    data: dict[str, Any] = {
        "name": "Screw",
        "step_pin": 12,
        "dir_pin": 5,
        "enable_pin": 6,
        "enable_active_low": True,
        "alarm_pin": 16,
        "alarm_active_low": True,
        "steps_per_rev": 200,
        "microsteps": 8,
        "max_rpm": 60.0,
        "accel_rpm_s": 20.0,
        "run_rpm": 30.0,
    }
    return MotorConfig.model_validate(data | overrides)


def test_hardware_pin_uses_kernel_pwm_and_never_claims_the_step_pin(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    gpio = install_gpio(monkeypatch)
    plan, pwm = fake_plan(tmp_path, "pi5", PI5_K66_CHIPS)
    stepper = Dm556Stepper.from_config("motors.screw", motor(), VirtualClock(), plan)

    assert pwm.writes[0] == ("pwmchip2/export", "0"), "the header block is pwmchip2 here"
    assert pwm.state(2, 0).enable == 0, "created stopped"
    assert 12 not in gpio.modes, "GPIO.setup() would take the pin out of PWM mode"
    assert stepper.step_kind == "hardware"


def test_hardware_step_rate_starts_changes_and_stops_the_pwm(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    install_gpio(monkeypatch)
    plan, pwm = fake_plan(tmp_path, "pi4", PI4_CHIPS)
    stepper = Dm556Stepper.from_config("motors.screw", motor(), VirtualClock(), plan)

    stepper.set_step_hz(800.0)
    assert pwm.state(0, 0) == ChannelState(1_250_000, 625_000, 1)
    writes = len(pwm.writes)
    stepper.set_step_hz(800.0)
    assert len(pwm.writes) == writes, "an unchanged rate must not rewrite the period"
    stepper.set_step_hz(1200.0)
    assert pwm.state(0, 0) == ChannelState(833_333, 416_666, 1)
    stepper.set_step_hz(0.0)
    assert (pwm.state(0, 0).enable, pwm.state(0, 0).duty_cycle) == (0, 0)


@pytest.mark.parametrize("bad", [-10.0, math.nan, math.inf])
def test_bad_step_rate_is_refused_and_leaves_the_output_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, bad: float
) -> None:
    install_gpio(monkeypatch)
    plan, pwm = fake_plan(tmp_path, "pi5", PI5_K612_CHIPS)
    stepper = Dm556Stepper.from_config("motors.screw", motor(), VirtualClock(), plan)
    stepper.set_step_hz(400.0)
    writes = len(pwm.writes)
    with pytest.raises(ValueError):
        stepper.set_step_hz(bad)
    assert len(pwm.writes) == writes
    assert pwm.state(0, 0) == ChannelState(2_500_000, 1_250_000, 1)


def test_enable_dir_and_alarm_honour_their_polarity(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    gpio = install_gpio(monkeypatch)
    plan, _ = fake_plan(tmp_path, "pi5", PI5_K612_CHIPS)
    stepper = Dm556Stepper.from_config(
        "motors.screw", motor(forward_dir_high=False), VirtualClock(), plan
    )
    assert gpio.writes[:2] == [(6, 1), (5, 0)], "set up disabled (ENA high) and forward (DIR low)"
    assert gpio.pulls[16] == FakeGPIO.PUD_UP

    stepper.set_enabled(True)
    assert gpio.levels[6] == 0
    stepper.set_direction(True)
    assert gpio.levels[5] == 0, "forward_dir_high=False: forward is a low DIR"
    stepper.set_direction(False)
    assert gpio.levels[5] == 1
    assert stepper.alarm() is False  # pulled up, nothing sinking it


def test_alarm_reads_true_when_alm_pulls_low(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    gpio = install_gpio(monkeypatch)
    plan, _ = fake_plan(tmp_path, "pi5", PI5_K612_CHIPS)
    gpio.setmode(FakeGPIO.BCM)
    gpio.levels[16] = 0
    stepper = Dm556Stepper.from_config("motors.screw", motor(), VirtualClock(), plan)
    assert stepper.alarm() is True


def test_motor_without_alarm_pin_never_alarms(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    install_gpio(monkeypatch)
    plan, _ = fake_plan(tmp_path, "pi5", PI5_K612_CHIPS)
    stepper = Dm556Stepper.from_config("motors.screw", motor(alarm_pin=None), VirtualClock(), plan)
    assert stepper.alarm() is False


def test_other_pins_fall_back_to_software_pwm_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gpio = install_gpio(monkeypatch)
    plan, pwm = fake_plan(tmp_path, "pi5", PI5_K612_CHIPS)
    cfg = motor(step_pin=24, max_rpm=30.0, run_rpm=10.0)  # 800 steps/s: within software PWM
    with caplog.at_level(logging.WARNING, logger="hw.drivers.pwm"):
        stepper = Dm556Stepper.from_config("motors.screw", cfg, VirtualClock(), plan)

    assert "software PWM" in caplog.text
    assert pwm.writes == []
    assert gpio.writes[-1] == (24, 0) and gpio.modes[24] == FakeGPIO.OUT
    soft = gpio.pwms[24]
    stepper.set_step_hz(500.0)
    assert (soft.frequency, soft.duty, soft.running) == (500.0, 50.0, True)
    stepper.set_step_hz(0.0)
    assert not soft.running
    with pytest.raises(ValueError, match="limit"):
        stepper.set_step_hz(1_500.0)


def test_max_rpm_beyond_software_pwm_is_refused_before_any_pin_is_claimed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gpio = install_gpio(monkeypatch)
    cfg = motor(step_pin=24, max_rpm=60.0)  # 1600 steps/s
    with pytest.raises(ValueError, match=r"motors.screw.max_rpm: 60 rpm needs 1600 steps/s"):
        Dm556Stepper.from_config("motors.screw", cfg, VirtualClock(), PwmPlan("pi5", {}))
    assert gpio.modes == {}


def test_close_stops_stepping_and_disables_the_driver(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    gpio = install_gpio(monkeypatch)
    plan, pwm = fake_plan(tmp_path, "pi5", PI5_K612_CHIPS)
    stepper = Dm556Stepper.from_config("motors.screw", motor(), VirtualClock(), plan)
    stepper.set_enabled(True)
    stepper.set_step_hz(800.0)

    stepper.close()

    assert (pwm.state(0, 0).enable, pwm.state(0, 0).duty_cycle) == (0, 0)
    assert gpio.levels[6] == 1, "ENA back to its disabled level"
    assert 16 in gpio.cleaned
