"""config.txt and cmdline.txt generated from config.yaml: overlays, UART, safe boot levels."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.ops.provision import (
    ProvisionError,
    config_block,
    edit_cmdline,
    edit_config_txt,
    provision,
)
from machine_config.config import Config
from tests.support import config_with

PI_CMDLINE = (
    "console=serial0,115200 console=tty1 root=PARTUUID=2a3b-02 rootfstype=ext4 "
    "fsck.repair=yes rootwait quiet splash plymouth.ignore-serial-consoles\n"
)


def gpio_levels(block: list[str]) -> dict[int, str]:
    levels = {}
    for line in block:
        if line.startswith("gpio="):
            pins, how = line[len("gpio=") :].split("=")
            for pin in pins.split(","):
                levels[int(pin)] = how
    return levels


def test_block_for_the_shipped_config(cfg: Config) -> None:
    block = config_block(cfg)
    assert "dtoverlay=spi0-0cs" in block
    assert "enable_uart=0" in block
    assert "dtoverlay=pwm-2chan,pin=12,func=4,pin2=13,func2=4" in block
    levels = gpio_levels(block)
    for heater in (17, 27):  # SSRs: active high, so low from power-on
        assert levels[heater] == "op,dl"
    for enable in (6, 21):  # DM556 enables are active low here: high = disabled
        assert levels[enable] == "op,dh"
    assert levels[18] == "op,dl" and levels[15] == "op,dl"  # contactor, heartbeat
    for cs in (8, 7, 25, 24):  # MAX31855 chip selects: deselected
        assert levels[cs] == "op,dh"
    assert 12 not in levels and 13 not in levels  # step pins belong to the PWM overlay


def test_active_high_enable_boots_low() -> None:
    cfg = config_with(**{"motors.screw.enable_active_low": False})
    assert gpio_levels(config_block(cfg))[6] == "op,dl"


def test_step_pins_on_the_alt5_pins_use_their_function() -> None:
    pins = {
        "motors.screw.step_pin": 18,
        "motors.feeder.step_pin": 19,
        "outputs.heater_contactor.pin": 12,
        "inputs.stop_button.pin": 13,
    }
    cfg = config_with(**pins)
    assert "dtoverlay=pwm-2chan,pin=18,func=2,pin2=19,func2=2" in config_block(cfg)


def test_two_step_pins_on_one_channel_are_refused() -> None:
    cfg = config_with(**{"motors.feeder.step_pin": 18, "outputs.heater_contactor.pin": 13})  # ch 0
    with pytest.raises(ProvisionError, match="share a PWM channel"):
        config_block(cfg)


def test_config_txt_keeps_other_lines_and_is_idempotent(cfg: Config) -> None:
    original = "# user stuff\n[pi4]\narm_boost=1\n[all]\ndtparam=audio=on\n"
    once = edit_config_txt(original, cfg)
    assert once.startswith(original)
    assert edit_config_txt(once, cfg) == once
    moved = config_with(**{"outputs.aux.nozzle_fan.pin": 14})
    again = edit_config_txt(once, moved)
    assert again.count("# BEGIN tvemicro") == 1
    assert 14 in gpio_levels(again.splitlines())


def test_cmdline_drops_the_serial_console_and_blanking() -> None:
    once = edit_cmdline(PI_CMDLINE)
    assert once.endswith("\n") and once.count("\n") == 1
    words = once.split()
    assert "console=serial0,115200" not in words
    assert "console=tty1" in words and "root=PARTUUID=2a3b-02" in words
    assert "consoleblank=0" in words
    assert edit_cmdline(once) == once
    assert edit_cmdline("consoleblank=600 rootwait").split().count("consoleblank=0") == 1


def test_provision_writes_files_and_reports_changes(tmp_path: Path, cfg: Config) -> None:
    (tmp_path / "cmdline.txt").write_text(PI_CMDLINE)
    (tmp_path / "config.txt").write_text("dtparam=audio=on\n")
    assert provision(cfg, tmp_path) == ["config.txt", "cmdline.txt"]
    assert provision(cfg, tmp_path) == []
    assert "enable_uart=0" in (tmp_path / "config.txt").read_text()
