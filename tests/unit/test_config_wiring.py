"""Config checks for wiring that fails safe: reserved SPI pins, a cut wire stops, no UART pins."""

from __future__ import annotations

import pytest

from machine_config.config import ConfigError, broken_wire_asserts, parse_config
from tests.support import raw_config, raw_config_with

UART_PINS = {14, 15}  # TXD idles high while a serial console is on


def problems(edit: dict[str, object]) -> list[str]:
    data = raw_config_with(edit)
    with pytest.raises(ConfigError) as info:
        parse_config(data, "test")
    return info.value.problems


@pytest.mark.parametrize("pin", [9, 10, 11])
def test_spi0_data_and_clock_pins_are_reserved(pin: int) -> None:
    (problem,) = problems({"outputs.aux.nozzle_fan.pin": pin})
    assert problem.startswith("outputs.aux.nozzle_fan.pin") and "SPI0" in problem


def test_shipped_contactor_is_off_the_uart_pins() -> None:
    cfg = parse_config(raw_config(), "config.yaml")
    assert cfg.outputs.heater_contactor.pin not in UART_PINS


def test_shipped_stop_button_is_normally_closed_and_estop_fails_open() -> None:
    cfg = parse_config(raw_config(), "config.yaml")
    assert cfg.inputs.stop_button is not None
    assert broken_wire_asserts(cfg.inputs.stop_button) is True, "a cut stop wire must stop"
    assert broken_wire_asserts(cfg.inputs.estop_ok) is False, "a cut chain wire must trip"


@pytest.mark.parametrize(
    "stop",
    [
        {"pin": 19, "active_low": True, "pull": "up"},  # normally open: a cut wire is never seen
        {"pin": 19, "active_low": False, "pull": "down"},
        {"pin": 19, "active_low": False, "pull": "none"},  # floats
    ],
)
def test_a_stop_button_a_cut_wire_cannot_trigger_is_refused(stop: dict[str, object]) -> None:
    (problem,) = problems({"inputs.stop_button": stop})
    assert problem.startswith("inputs.stop_button") and "normally closed" in problem


@pytest.mark.parametrize(
    "estop",
    [
        {"pin": 2, "active_low": False, "pull": "up"},  # a cut wire would read 'chain healthy'
        {"pin": 2, "active_low": True, "pull": "none"},
    ],
)
def test_an_estop_input_a_cut_wire_reads_healthy_is_refused(estop: dict[str, object]) -> None:
    (problem,) = problems({"inputs.estop_ok": estop})
    assert problem.startswith("inputs.estop_ok") and "cut wire" in problem
