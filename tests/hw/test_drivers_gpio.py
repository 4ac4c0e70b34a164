"""GPIO outputs and debounced inputs against a fake RPi.GPIO; the debouncer on a virtual clock."""

from __future__ import annotations

import pytest
from test_drivers_fakes import FakeGPIO, install_gpio

from hw.clock import VirtualClock
from hw.drivers.gpio import Debouncer, GpioInput, GpioOutput, gpio_module
from machine_config.config import load_config
from tests.support import CONFIG_PATH


def test_gpio_module_sets_bcm_numbering_once(monkeypatch: pytest.MonkeyPatch) -> None:
    gpio = install_gpio(monkeypatch)
    assert gpio_module() is gpio
    gpio_module()
    assert gpio.mode == FakeGPIO.BCM
    assert gpio.setmode_calls == 1


def test_gpio_module_refuses_a_process_already_in_board_numbering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gpio = install_gpio(monkeypatch)
    gpio.setmode(FakeGPIO.BOARD)
    with pytest.raises(ValueError, match="different mode"):
        gpio_module()


@pytest.mark.parametrize(("active_low", "off_level", "on_level"), [(False, 0, 1), (True, 1, 0)])
def test_output_starts_off_without_a_glitch_and_honours_polarity(
    monkeypatch: pytest.MonkeyPatch, active_low: bool, off_level: int, on_level: int
) -> None:
    gpio = install_gpio(monkeypatch)
    ssr = GpioOutput(17, active_low=active_low)
    assert gpio.writes == [(17, off_level)], "the OFF level must be set by setup() itself"

    ssr.set(True)
    assert gpio.levels[17] == on_level
    ssr.set(False)
    assert gpio.levels[17] == off_level


def test_output_close_leaves_the_pin_driven_off(monkeypatch: pytest.MonkeyPatch) -> None:
    gpio = install_gpio(monkeypatch)
    contactor = GpioOutput(14, active_low=True)
    contactor.set(True)
    contactor.close()
    assert gpio.levels[14] == 1
    assert gpio.modes[14] == FakeGPIO.OUT, "a released pin would float"


def test_debouncer_ignores_a_bounce_shorter_than_the_window() -> None:
    clock = VirtualClock()
    deb = Debouncer(0.02, initial=True)
    assert deb.update(False, clock.now()) is True
    clock.advance(0.01)
    assert deb.update(True, clock.now()) is True
    clock.advance(0.05)
    assert deb.update(True, clock.now()) is True


def test_debouncer_accepts_a_level_held_for_the_window() -> None:
    clock = VirtualClock()
    deb = Debouncer(0.02, initial=True)
    assert deb.update(False, clock.now()) is True
    clock.advance(0.019)
    assert deb.update(False, clock.now()) is True
    clock.advance(0.001)
    assert deb.update(False, clock.now()) is False


def test_debouncer_restarts_its_window_after_each_bounce() -> None:
    clock = VirtualClock()
    deb = Debouncer(0.02, initial=False)
    for level in (True, False, True):
        deb.update(level, clock.now())
        clock.advance(0.015)
    assert deb.state is False, "no level was stable for 20 ms"
    clock.advance(0.005)
    assert deb.update(True, clock.now()) is True


def test_debouncer_with_zero_window_follows_the_input() -> None:
    deb = Debouncer(0.0, initial=False)
    assert deb.update(True, 0.0) is True
    assert deb.update(False, 0.0) is False


def test_debouncer_rejects_a_negative_window() -> None:
    with pytest.raises(ValueError):
        Debouncer(-0.1, initial=False)


@pytest.mark.parametrize(("pull", "constant"), [("up", 22), ("down", 21), ("none", 20)])
def test_input_sets_up_its_pull(monkeypatch: pytest.MonkeyPatch, pull: str, constant: int) -> None:
    gpio = install_gpio(monkeypatch)
    GpioInput(3, VirtualClock(), pull=pull)
    assert gpio.modes[3] == FakeGPIO.IN
    assert gpio.pulls[3] == constant


def test_input_refuses_an_unknown_pull(monkeypatch: pytest.MonkeyPatch) -> None:
    install_gpio(monkeypatch)
    with pytest.raises(ValueError, match="pull"):
        GpioInput(3, VirtualClock(), pull="sideways")


def test_active_low_input_is_asserted_when_the_wire_is_low(monkeypatch: pytest.MonkeyPatch) -> None:
    gpio = install_gpio(monkeypatch)
    gpio.setmode(FakeGPIO.BCM)
    gpio.levels[2] = 0  # closed E-stop chain pulls the line low
    estop_ok = GpioInput(2, VirtualClock(), active_low=True, pull="up", debounce_s=0.02)
    assert estop_ok.read() is True, "the level at start-up is reported at once"


def test_active_high_input_is_asserted_when_the_wire_is_high(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gpio = install_gpio(monkeypatch)
    gpio.setmode(FakeGPIO.BCM)
    gpio.levels[19] = 1
    assert GpioInput(19, VirtualClock(), active_low=False, pull="down").read() is True


def test_input_change_shows_only_after_the_debounce_time(monkeypatch: pytest.MonkeyPatch) -> None:
    gpio = install_gpio(monkeypatch)
    clock = VirtualClock()
    gpio.setmode(FakeGPIO.BCM)
    gpio.levels[2] = 0
    estop_ok = GpioInput(2, clock, active_low=True, pull="up", debounce_s=0.02)

    gpio.levels[2] = 1  # chain opens
    assert estop_ok.read() is True
    clock.advance(0.02)
    assert estop_ok.read() is False


def test_input_close_releases_the_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    gpio = install_gpio(monkeypatch)
    GpioInput(3, VirtualClock()).close()
    assert gpio.cleaned == [3]


def test_normally_closed_stop_reads_pressed_when_its_wire_is_cut(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """config.yaml's stop button through the real driver: closed contact = low, cut = high."""
    stop = load_config(CONFIG_PATH).inputs.stop_button
    assert stop is not None
    gpio = install_gpio(monkeypatch)
    gpio.setmode(gpio.BCM)
    gpio.levels[stop.pin] = gpio.LOW  # contact closed to GND: at rest
    clock = VirtualClock()
    button = GpioInput(
        stop.pin, clock, active_low=stop.active_low, pull=stop.pull, debounce_s=stop.debounce_s
    )
    assert button.read() is False
    gpio.levels[stop.pin] = gpio.HIGH  # wire cut: the pull-up wins
    button.read()  # the debouncer sees the new level here ...
    clock.advance(stop.debounce_s)
    assert button.read() is True  # ... and accepts it once it has held for debounce_s
