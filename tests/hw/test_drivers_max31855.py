"""MAX31855: the decoder against the datasheet word layout, the NIST Type-K correction against
NIST's reference function, the SPI driver against fake blinka."""

from __future__ import annotations

import logging
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_drivers_fakes import install_blinka

from hw.clock import VirtualClock
from hw.drivers.max31855 import (
    CONVERSION_S,
    Max31855Sensor,
    cold_junction_c,
    decode_max31855,
)
from hw.protocols import Reading

# Datasheet word: D31..D18 thermocouple (14-bit two's complement, 0.25 °C), D17 reserved,
# D16 fault, D15..D4 cold junction (12-bit, 0.0625 °C), D3 reserved, D2 SCV, D1 SCG, D0 OC.
CJ_25C = 0x190 << 4  # cold junction +25.0000 °C = 0000 0001 1001 0000 (datasheet Table 3)
MAX31855_UV_PER_C = 41.276  # the chip's Type-K gain (datasheet Table 1): its linear assumption

# NIST ITS-90 Type K reference function, 0..1372 °C: E(t) in mV (NIST Monograph 175). The
# expectations below solve it for t; the library under test uses NIST's *inverse* polynomial.
NIST_K_C = (
    -0.176004136860e-01, 0.389212049750e-01, 0.185587700320e-04, -0.994575928740e-07,
    0.318409457190e-09, -0.560728448890e-12, 0.560750590590e-15, -0.320207200030e-18,
    0.971511471520e-22, -0.121047212750e-25,
)  # fmt: skip
NIST_K_A = (0.118597600000e00, -0.118343200000e-03, 0.126968600000e03)
NIST_INVERSE_ERROR_C = 0.06  # NIST: the inverse polynomial is within -0.05..+0.04 °C over 0..500


def nist_emf_mv(t_c: float) -> float:
    a0, a1, a2 = NIST_K_A
    return sum(c * t_c**i for i, c in enumerate(NIST_K_C)) + a0 * math.exp(a1 * (t_c - a2) ** 2)


def nist_temperature(emf_mv: float) -> float:
    """t with E(t) = emf, by bisection (E rises monotonically over 0..1372 °C)."""
    lo, hi = 0.0, 1372.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if nist_emf_mv(mid) < emf_mv else (lo, mid)
    return (lo + hi) / 2


def expected_nist_c(linear_c: float, cold_c: float) -> float:
    """What a NIST-correct reading of a chip word is: the chip measured the junction emf as
    linear gain × (reading − cold junction); the cold junction adds its own E(cold)."""
    return nist_temperature(MAX31855_UV_PER_C / 1000 * (linear_c - cold_c) + nist_emf_mv(cold_c))


def chip_word(true_c: float, cold_c: float = 25.0) -> int:
    """The word a MAX31855 sends for a Type K at true_c with its die at cold_c."""
    linear_c = cold_c + (nist_emf_mv(true_c) - nist_emf_mv(cold_c)) / (MAX31855_UV_PER_C / 1000)
    return (round(linear_c * 4) & 0x3FFF) << 18 | (round(cold_c * 16) & 0xFFF) << 4


@pytest.mark.parametrize(("t_c", "mv"), [(25, 1.000), (100, 4.096), (200, 8.138), (1000, 41.276)])
def test_the_reference_function_matches_nist_table_points(t_c: float, mv: float) -> None:
    assert round(nist_emf_mv(t_c), 3) == mv


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
    ("bits", "expected_c"),
    [  # datasheet Table 4, internal temperature D15..D4
        (0x7F0, 127.0),
        (0x649, 100.5625),
        (0x190, 25.0),
        (0x000, 0.0),
        (0xFFF, -0.0625),
        (0xFF0, -1.0),
        (0xEC0, -20.0),
        (0xC90, -55.0),
    ],
)
def test_decodes_datasheet_internal_temperatures(bits: int, expected_c: float) -> None:
    assert cold_junction_c(0x0190_0000 | bits << 4) == expected_c


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

    for sensor, linear_c in ((barrel, 200.0), (nozzle, 210.0)):
        reading = sensor.read()
        assert reading is not None and reading.fault is None and reading.temperature_c is not None
        assert reading.temperature_c == pytest.approx(
            expected_nist_c(linear_c, 25.0), abs=NIST_INVERSE_ERROR_C
        )
    assert bus.config["polarity"] == 0 and bus.config["phase"] == 0
    assert all(cs.value is True for cs in bus.chip_selects), "CS must idle high after a read"


def test_driver_returns_none_when_asked_again_within_one_conversion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bus = install_blinka(monkeypatch)
    clock = VirtualClock()
    sensor = Max31855Sensor(bus, 8, clock)
    bus.queue(8, 0x0190_0000 | CJ_25C, 0x0194_0000 | CJ_25C)

    assert _celsius(sensor.read()) == pytest.approx(25.0, abs=NIST_INVERSE_ERROR_C)
    clock.advance(CONVERSION_S / 2)
    assert sensor.read() is None
    assert len(bus.words[8]) == 1, "an early read must not touch the bus (it aborts a conversion)"
    clock.advance(CONVERSION_S / 2)
    assert _celsius(sensor.read()) == pytest.approx(25.25, abs=NIST_INVERSE_ERROR_C)


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
    assert _celsius(sensor.read()) == pytest.approx(25.0, abs=NIST_INVERSE_ERROR_C)


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


def _celsius(reading: Reading | None) -> float:
    assert reading is not None and reading.fault is None and reading.temperature_c is not None
    return reading.temperature_c


@pytest.mark.parametrize("true_c", [200.0, 215.0, 230.0, 245.0, 260.0])
def test_driver_corrects_the_linear_error_at_extrusion_temperatures(
    monkeypatch: pytest.MonkeyPatch, true_c: float
) -> None:
    """The linear decode reads 2-3.5 °C low here; the NIST reading is within quantisation."""
    bus = install_blinka(monkeypatch)
    sensor = Max31855Sensor(bus, 8, VirtualClock())
    word = chip_word(true_c)
    bus.queue(8, word)
    linear = decode_max31855(word).temperature_c
    assert linear is not None and 2.0 <= true_c - linear <= 3.5
    # 0.25 °C quantisation of the chip (× dT/dE ≈ 1.02 here) plus NIST's inverse error
    assert _celsius(sensor.read()) == pytest.approx(true_c, abs=0.125 * 1.03 + 0.06)


@pytest.mark.parametrize("cold_c", [0.0, 18.5, 25.0, 40.0, 60.0])
def test_driver_uses_the_cold_junction_of_the_same_word(
    monkeypatch: pytest.MonkeyPatch, cold_c: float
) -> None:
    bus = install_blinka(monkeypatch)
    sensor = Max31855Sensor(bus, 8, VirtualClock())
    bus.queue(8, chip_word(220.0, cold_c))
    assert _celsius(sensor.read()) == pytest.approx(220.0, abs=0.2)


@pytest.mark.parametrize(
    ("upper16", "linear_c"),  # datasheet Table 2 rows, as the word's D31..D16
    [(0x3E80, 1000.0), (0x064C, 100.75), (0x0190, 25.0)],  # the reference solves 0..1372 °C
)
def test_datasheet_words_read_as_nist_expects(
    monkeypatch: pytest.MonkeyPatch, upper16: int, linear_c: float
) -> None:
    bus = install_blinka(monkeypatch)
    sensor = Max31855Sensor(bus, 8, VirtualClock())
    bus.queue(8, upper16 << 16 | CJ_25C)
    expected = expected_nist_c(linear_c, 25.0)
    assert _celsius(sensor.read()) == pytest.approx(expected, abs=NIST_INVERSE_ERROR_C)


def test_a_word_beyond_the_type_k_range_is_a_bad_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Datasheet 0x6400 (+1600 °C linear) is a valid chip word but no Type K emf: never a number."""
    bus = install_blinka(monkeypatch)
    sensor = Max31855Sensor(bus, 8, VirtualClock())
    bus.queue(8, 0x6400_0000 | CJ_25C)
    assert sensor.read() == Reading(None, "spi_error")


def test_intermittent_garbage_never_raises_and_never_gives_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bus = install_blinka(monkeypatch)
    clock = VirtualClock()
    sensor = Max31855Sensor(bus, 8, clock)
    bus.garbage_rate = 0.5
    bus.queue(8, *[chip_word(200.0)] * 200)
    faults = 0
    for _ in range(200):
        reading = sensor.read()
        clock.advance(CONVERSION_S)
        assert reading is not None
        assert (reading.temperature_c is None) != (reading.fault is None)
        faults += reading.fault is not None
    assert faults > 0, "garbage words must show up as faults, not all as temperatures"
