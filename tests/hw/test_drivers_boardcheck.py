"""Start-up board checks: the PWM mux, SPI0's chip selects and the serial port, from a fake
device tree and canned `pinctrl get` output, refused before any pin is claimed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_drivers_fakes import FakeGPIO, install_blinka, install_gpio
from test_drivers_registry import PI5, PI5_CHIPS, pi_probe

from hw.clock import VirtualClock
from hw.drivers.boardcheck import overlay_line, parse_pin_functions
from hw.drivers.pwm import PwmUnavailable
from hw.registry import build_hw_io
from machine_config.config import Config

Variant = Callable[[Callable[[dict[str, Any]], None]], Config]
PI4 = "Raspberry Pi 4 Model B Rev 1.4"
PI4_CHIPS = {0: "fe20c000.pwm"}


@pytest.fixture
def gpio(monkeypatch: pytest.MonkeyPatch) -> FakeGPIO:
    install_blinka(monkeypatch)
    return install_gpio(monkeypatch)


def feeder_on(pin: int, contactor: int = 18) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["motors"]["feeder"]["step_pin"] = pin
        data["inputs"]["stop_button"]["pin"] = 13  # 19 may be the step pin now
        data["outputs"]["heater_contactor"]["pin"] = contactor

    return edit


def test_parses_pinctrl_and_raspi_gpio_output() -> None:
    text = (
        "12: a0    pd | lo // GPIO12 = PWM0_CHAN0\n"
        " 8: op dh pu | hi // GPIO8 = output\n"
        "GPIO 19: level=0 fsel=2 alt=5 func=PWM0_1 pull=DOWN\n"
        "garbage line\n"
    )
    assert parse_pin_functions(text) == {12: "PWM0_CHAN0", 8: "output", 19: "PWM0_1"}


def test_overlay_line_names_both_pins_with_their_function() -> None:
    assert overlay_line([12, 19]) == "dtoverlay=pwm-2chan,pin=12,func=4,pin2=19,func2=2"


@pytest.mark.parametrize(("model", "chips"), [(PI4, PI4_CHIPS), (PI5, PI5_CHIPS)])
def test_a_step_pin_the_overlay_did_not_mux_is_refused(
    variant: Variant, gpio: FakeGPIO, tmp_path: Path, model: str, chips: dict[int, str]
) -> None:
    """Pi 4: channel 1 would pulse GPIO 13; Pi 5: channel 3 reaches no pin. Both show rpm."""
    cfg = variant(feeder_on(19))
    probe = pi_probe(tmp_path, model, chips, pwm_pins=(12, 13))
    with pytest.raises(PwmUnavailable) as info:
        build_hw_io(cfg, VirtualClock(), probe=probe)
    message = str(info.value)
    assert "motors.feeder.step_pin (GPIO 19: input)" in message
    assert "dtoverlay=pwm-2chan,pin=12,func=4,pin2=19,func2=2" in message
    assert gpio.modes == {}, "nothing claimed before the check"


def test_step_pins_muxed_to_pwm_start(variant: Variant, gpio: FakeGPIO, tmp_path: Path) -> None:
    cfg = variant(feeder_on(19))
    probe = pi_probe(tmp_path, PI5, PI5_CHIPS, pwm_pins=(12, 19))
    build_hw_io(cfg, VirtualClock(), probe=probe).close()


def test_chip_selects_the_spi_driver_holds_are_refused(
    cfg: Config, gpio: FakeGPIO, tmp_path: Path
) -> None:
    """`dtparam=spi=on` alone: the kernel owns GPIO 8 and 7 as CE0/CE1 ('GPIO busy' later)."""
    probe = pi_probe(tmp_path, PI5, PI5_CHIPS, kernel_cs=(8, 7))
    with pytest.raises(RuntimeError) as info:
        build_hw_io(cfg, VirtualClock(), probe=probe)
    message = str(info.value)
    assert "zones.barrel.sensor.cs_pin (GPIO 8)" in message
    assert "zones.nozzle.sensor.cs_pin (GPIO 7)" in message
    assert "dtoverlay=spi0-0cs" in message
    assert gpio.modes == {}


def test_spi_off_is_refused(cfg: Config, gpio: FakeGPIO, tmp_path: Path) -> None:
    probe = pi_probe(tmp_path, PI4, PI4_CHIPS)
    (probe.device_tree / "soc" / "spi@7e204000" / "status").write_bytes(b"disabled\x00")
    with pytest.raises(RuntimeError, match="dtparam=spi=on"):
        build_hw_io(cfg, VirtualClock(), probe=probe)


def test_a_configured_pin_the_serial_port_holds_is_refused(
    variant: Variant, gpio: FakeGPIO, tmp_path: Path
) -> None:
    cfg = variant(lambda d: d["outputs"]["heater_contactor"].update(pin=14))
    with pytest.raises(RuntimeError, match=r"outputs.heater_contactor.pin: GPIO 14 .* TXD0"):
        build_hw_io(cfg, VirtualClock(), probe=pi_probe(tmp_path, PI5, PI5_CHIPS, uart=True))
    assert gpio.modes == {}
    (tmp_path / "console_off").mkdir()
    probe = pi_probe(tmp_path / "console_off", PI5, PI5_CHIPS)
    build_hw_io(cfg, VirtualClock(), probe=probe).close()


def test_the_shipped_heartbeat_on_rxd_is_refused_while_the_serial_port_is_on(
    cfg: Config, gpio: FakeGPIO, tmp_path: Path
) -> None:
    """Nothing of config.yaml is on TXD; the heartbeat on RXD (15) is, so it is refused."""
    with pytest.raises(RuntimeError, match=r"outputs.heartbeat.pin: GPIO 15 .* RXD0"):
        build_hw_io(cfg, VirtualClock(), probe=pi_probe(tmp_path, PI5, PI5_CHIPS, uart=True))
