"""MAX31855: the decoder against the datasheet word layout, the SPI driver against fake blinka."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_drivers_fakes import install_blinka

from hw.clock import VirtualClock
from hw.drivers.max31855 import CONVERSION_S, Max31855Sensor, decode_max31855
from hw.protocols import Reading

# Datasheet word: D31..D18 thermocouple (14-bit two's complement, 0.25 °C), D17 reserved,
# D16 fault, D15..D4 cold junction (12-bit, 0.0625 °C), D3 reserved, D2 SCV, D1 SCG, D0 OC.
CJ_25C = 0x190 << 4  # cold junction +25.0000 °C = 0000 0001 1001 0000 (datasheet Table 3)


@pytest.mark.parametrize(
    ("raw", "expected_c"),
    [
        (0x6400_0000 | CJ_25C, 1600.00),  # 0110 0100 0000 00
        (0x3E80_0000 | CJ_25C, 1000.00),  # 0011 1110 1000 00
        (0x064C_0000 | CJ_25C, 100.75),  # 0000 0110 0100 11
        (0x0190_0000 | CJ_25C, 25.00),  # 0000 0001 1001 00
        (0x0000_0000 | CJ_25C, 0.00),  # 0000 0000 0000 00
        (0x0004_0000 | CJ_25C, 0.25),  # 0000 0000 0000 01
        (0xFFFC_0000 | CJ_25C, -0.25),  # 1111 1111 1111 11
        (0xFFF0_0000 | CJ_25C, -1.00),  # 1111 1111 1111 00
        (0xF060_0000 | CJ_25C, -250.00),  # 1111 0000 0110 00
    ],
)
def test_decodes_datasheet_temperatures(raw: int, expected_c: float) -> None:
    assert decode_max31855(raw) == Reading(expected_c, None)


@pytest.mark.parametrize(
    ("low_bits", "fault"),
    [(0b001, "tc_open"), (0b010, "tc_short_gnd"), (0b100, "tc_short_vcc")],
)
def test_each_fault_bit_maps_to_its_fault_code(low_bits: int, fault: str) -> None:
    raw = 0x0190_0000 | 1 << 16 | CJ_25C | low_bits  # temperature bits present but not trusted
    assert decode_max31855(raw) == Reading(None, fault)


def test_open_circuit_wins_when_several_fault_bits_are_set() -> None:
    assert decode_max31855(1 << 16 | CJ_25C | 0b111).fault == "tc_open"


@pytest.mark.parametrize(
    "raw",
    [
        0xFFFF_FFFF,  # MISO floating high: reserved bits set
        0x0000_0000,  # MISO stuck low: would read as a cold 0 °C and heat forever
        0x0001_0000 | CJ_25C,  # fault flag with no cause bit
        0x0190_0000 | CJ_25C | 1 << 3,  # reserved D3 set
        0x0190_0000 | CJ_25C | 1 << 17,  # reserved D17 set
    ],
)
def test_words_no_chip_sends_are_spi_errors(raw: int) -> None:
    assert decode_max31855(raw) == Reading(None, "spi_error")


@given(st.integers(min_value=-270 * 4, max_value=1800 * 4))
def test_every_quarter_degree_round_trips(quarters: int) -> None:
    raw = (quarters & 0x3FFF) << 18 | CJ_25C
    assert decode_max31855(raw).temperature_c == quarters / 4


def test_driver_reads_the_word_over_spi_with_its_own_chip_select(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bus = install_blinka(monkeypatch)
    clock = VirtualClock()
    barrel = Max31855Sensor(bus, 8, clock)
    nozzle = Max31855Sensor(bus, 7, clock)
    bus.queue(8, 0x0C80_0000 | CJ_25C)  # 200.00 °C
    bus.queue(7, 0x0D20_0000 | CJ_25C)  # 210.00 °C

    assert barrel.read() == Reading(200.0)
    assert nozzle.read() == Reading(210.0)
    assert bus.config["polarity"] == 0 and bus.config["phase"] == 0
    assert all(cs.value is True for cs in bus.chip_selects), "CS must idle high after a read"


def test_driver_returns_none_when_asked_again_within_one_conversion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bus = install_blinka(monkeypatch)
    clock = VirtualClock()
    sensor = Max31855Sensor(bus, 8, clock)
    bus.queue(8, 0x0190_0000 | CJ_25C, 0x0194_0000 | CJ_25C)

    assert sensor.read() == Reading(25.0)
    clock.advance(CONVERSION_S / 2)
    assert sensor.read() is None
    assert len(bus.words[8]) == 1, "an early read must not touch the bus (it aborts a conversion)"
    clock.advance(CONVERSION_S / 2)
    assert sensor.read() == Reading(25.25)


def test_spi_error_becomes_a_fault_reading_not_an_exception(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bus = install_blinka(monkeypatch)
    clock = VirtualClock()
    sensor = Max31855Sensor(bus, 25, clock)
    bus.queue(25, OSError(5, "Input/output error"), 0x0190_0000 | CJ_25C)

    assert sensor.read() == Reading(None, "spi_error")
    assert not bus.locked, "a failed transfer must release the bus"
    clock.advance(CONVERSION_S)
    assert sensor.read() == Reading(25.0)


def test_a_failing_bus_is_logged_once_not_every_read(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bus = install_blinka(monkeypatch)
    clock = VirtualClock()
    sensor = Max31855Sensor(bus, 8, clock)
    bus.queue(8, *[OSError("no SPI")] * 5)
    with caplog.at_level(logging.WARNING, logger="hw.drivers.max31855"):
        for _ in range(5):
            assert sensor.read() == Reading(None, "spi_error")
            clock.advance(CONVERSION_S)
    assert len(caplog.records) == 1


def test_chip_faults_come_through_the_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    bus = install_blinka(monkeypatch)
    sensor = Max31855Sensor(bus, 24, VirtualClock())
    bus.queue(24, 1 << 16 | CJ_25C | 0b001)
    assert sensor.read() == Reading(None, "tc_open")


def test_close_releases_the_chip_select(monkeypatch: pytest.MonkeyPatch) -> None:
    bus = install_blinka(monkeypatch)
    sensor = Max31855Sensor(bus, 8, VirtualClock())
    sensor.close()
    assert bus.chip_selects[0].deinited
