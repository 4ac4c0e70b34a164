"""Every simulated fault kind, as the control core (and an operator watching it) would notice it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hw.clock import VirtualClock
from hw.protocols import Reading
from hw.sim import FAULT_KINDS, SimFaultError, SimMachine, UnknownFault


def next_reading(machine: SimMachine, clock: VirtualClock, sensor: str) -> Reading | None:
    """Wait one conversion period, then read the sensor as the core would."""
    io = machine.io()
    clock.advance(0.1)
    return {**io.zone_sensors, **io.monitor_sensors}[sensor].read()


def heat(machine: SimMachine, zone: str) -> None:
    io = machine.io()
    io.heater_contactor.set(True)
    io.heaters[zone].set(True)


def test_api_lists_every_fault_kind() -> None:
    assert set(FAULT_KINDS) == {
        "tc_open", "tc_short_gnd", "tc_short_vcc", "spi_error", "sensor_frozen",
        "probe_detached", "ssr_stuck_on", "heater_open", "driver_alarm", "estop", "disk_full",
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["tc_open", "tc_short_gnd", "tc_short_vcc", "spi_error"])
def test_thermocouple_fault_reports_its_code_until_cleared(
    machine: SimMachine, clock: VirtualClock, kind: str
) -> None:
    first = next_reading(machine, clock, "barrel")
    assert first is not None and first.temperature_c == pytest.approx(22.0, abs=0.5)
    fault_id = machine.faults.inject(kind, "barrel")
    assert next_reading(machine, clock, "barrel") == Reading(None, kind)
    other = next_reading(machine, clock, "nozzle")
    assert other is not None and other.temperature_c is not None
    machine.faults.clear(fault_id)
    reading = next_reading(machine, clock, "barrel")
    assert reading is not None and reading.fault is None and reading.temperature_c is not None


@pytest.mark.parametrize("kind", ["tc_open", "spi_error", "sensor_frozen"])
def test_monitor_sensors_accept_sensor_faults(
    machine: SimMachine, clock: VirtualClock, kind: str
) -> None:
    machine.faults.inject(kind, "motor_housing")
    reading = next_reading(machine, clock, "motor_housing")
    expected = None if kind == "sensor_frozen" else Reading(None, kind)
    assert reading == expected
    assert next_reading(machine, clock, "feed_throat") is not None


def test_sensor_frozen_stops_new_readings_then_resumes_with_current_value(
    machine: SimMachine, clock: VirtualClock, run: Callable[..., None]
) -> None:
    heat(machine, "nozzle")
    sensor = machine.io().zone_sensors["nozzle"]
    fault_id = machine.faults.inject("sensor_frozen", "nozzle")
    readings = []
    run(30.0, poll=lambda: readings.append(sensor.read()))
    assert readings and all(r is None for r in readings)
    machine.faults.clear(fault_id)
    clock.advance(0.1)
    fresh = sensor.read()
    assert fresh is not None and fresh.temperature_c is not None
    assert fresh.temperature_c > 25.0  # the zone kept heating while the sensor was silent


def test_probe_detached_reading_relaxes_to_ambient_while_zone_heats(
    machine: SimMachine, clock: VirtualClock, run: Callable[..., None]
) -> None:
    heat(machine, "nozzle")
    run(120.0, every_s=1.0)
    hot_reading = next_reading(machine, clock, "nozzle")
    assert hot_reading is not None and hot_reading.temperature_c is not None
    plant_before = machine.plant_temperature("nozzle")
    machine.faults.inject("probe_detached", "nozzle")
    run(180.0, every_s=1.0)
    late = next_reading(machine, clock, "nozzle")
    assert late is not None and late.temperature_c is not None
    assert machine.plant_temperature("nozzle") > plant_before + 20.0
    assert late.temperature_c < hot_reading.temperature_c - 20.0
    assert late.temperature_c < 22.0 + 0.1 * (plant_before - 22.0) + 1.0


def test_ssr_stuck_on_heats_with_output_off_until_contactor_drops(
    machine: SimMachine, clock: VirtualClock, run: Callable[..., None]
) -> None:
    io = machine.io()
    io.heater_contactor.set(True)
    io.heaters["barrel"].set(False)
    machine.faults.inject("ssr_stuck_on", "barrel")
    run(60.0, every_s=1.0)
    view = machine.io_view()["zones"]["barrel"]
    assert view["ssr_on"] is False and view["conducting"] is True and view["duty_window"] == 1.0
    assert machine.plant_temperature("barrel") > 22.0 + 20.0
    io.heater_contactor.set(False)
    peak = machine.plant_temperature("barrel")
    energy = machine.heater_energy_j("barrel")
    run(60.0, every_s=1.0)
    assert machine.heater_energy_j("barrel") == energy
    assert machine.plant_temperature("barrel") < peak


def test_heater_open_delivers_no_heat_even_when_switched_on(
    machine: SimMachine, clock: VirtualClock, run: Callable[..., None]
) -> None:
    machine.faults.inject("heater_open", "barrel")
    heat(machine, "barrel")
    run(120.0, every_s=1.0)
    assert machine.io_view()["zones"]["barrel"]["ssr_on"] is True
    assert machine.heater_energy_j("barrel") == 0.0
    assert machine.plant_temperature("barrel") == pytest.approx(22.0, abs=0.01)


def test_heater_open_repaired_heats_again(
    machine: SimMachine, clock: VirtualClock, run: Callable[..., None]
) -> None:
    fault_id = machine.faults.inject("heater_open", "barrel")
    heat(machine, "barrel")
    run(10.0)
    machine.faults.clear(fault_id)
    run(10.0)
    assert machine.heater_energy_j("barrel") == pytest.approx(800.0 * 10.0, rel=0.01)


def test_two_sensor_faults_report_in_max31855_order_and_clear_one_by_one(
    machine: SimMachine, clock: VirtualClock
) -> None:
    spi = machine.faults.inject("spi_error", "nozzle")
    short = machine.faults.inject("tc_short_vcc", "nozzle")
    assert next_reading(machine, clock, "nozzle") == Reading(None, "tc_short_vcc")
    machine.faults.clear(short)
    assert next_reading(machine, clock, "nozzle") == Reading(None, "spi_error")
    machine.faults.clear(spi)
    reading = next_reading(machine, clock, "nozzle")
    assert reading is not None and reading.fault is None


def test_driver_alarm_raises_alarm_and_stops_the_motor(
    machine: SimMachine, clock: VirtualClock
) -> None:
    screw = machine.io().steppers["screw"]
    screw.set_enabled(True)
    screw.set_step_hz(800.0)
    clock.advance(6.0)
    assert machine.stepper("screw").revolutions == pytest.approx(3.0)
    fault_id = machine.faults.inject("driver_alarm", "screw")
    assert screw.alarm() is True
    assert machine.io().steppers["feeder"].alarm() is False
    clock.advance(6.0)
    assert machine.stepper("screw").revolutions == pytest.approx(3.0)
    assert machine.io_view()["motors"]["screw"]["rpm"] == 0.0
    machine.faults.clear(fault_id)
    assert screw.alarm() is False
    clock.advance(2.0)
    assert machine.stepper("screw").revolutions == pytest.approx(4.0)


def test_estop_fault_opens_the_chain_input(machine: SimMachine) -> None:
    estop = machine.io().estop_ok
    assert estop.read() is True
    fault_id = machine.faults.inject("estop")
    assert estop.read() is False
    assert machine.io_view()["estop_ok"] is False
    machine.faults.clear(fault_id)
    assert estop.read() is True


def test_disk_full_flag_follows_the_fault(machine: SimMachine) -> None:
    assert machine.disk_full is False
    fault_id = machine.faults.inject("disk_full", "machine")
    assert machine.disk_full is True
    assert machine.io_view()["disk_full"] is True
    machine.faults.clear(fault_id)
    assert machine.disk_full is False


def test_clear_one_keeps_the_others_and_clear_all_empties(machine: SimMachine) -> None:
    a = machine.faults.inject("tc_open", "barrel")
    b = machine.faults.inject("estop")
    c = machine.faults.inject("estop", None)
    assert len({a, b, c}) == 3
    assert [f["kind"] for f in machine.faults.active()] == ["tc_open", "estop", "estop"]
    assert machine.faults.active()[1]["target"] == "machine"
    machine.faults.clear(b)
    assert machine.io().estop_ok.read() is False  # the second estop fault still holds
    assert [f["id"] for f in machine.faults.active()] == [a, c]
    assert machine.faults.clear_all() == 2
    assert machine.faults.active() == []
    assert machine.io().estop_ok.read() is True


@pytest.mark.parametrize(
    ("kind", "target", "field"),
    [
        ("tc_melted", "barrel", "kind"),
        (None, "barrel", "kind"),
        ("tc_open", "hopper", "target"),
        ("tc_open", None, "target"),
        ("probe_detached", "feed_throat", "target"),
        ("ssr_stuck_on", "screw", "target"),
        ("driver_alarm", "barrel", "target"),
        ("estop", "barrel", "target"),
        ("disk_full", 1, "target"),
    ],
)
def test_bad_injection_is_refused_and_changes_nothing(
    machine: SimMachine, kind: object, target: object, field: str
) -> None:
    existing = machine.faults.inject("tc_open", "nozzle")
    before = machine.faults.active()
    with pytest.raises(SimFaultError) as err:
        machine.faults.inject(kind, target)
    assert err.value.field == field
    assert isinstance(err.value, ValueError)
    assert machine.faults.active() == before
    assert machine.faults.inject("estop") == existing + 1  # no id was used up


@pytest.mark.parametrize("fault_id", [999, "1", True, None])
def test_clearing_an_unknown_id_is_refused_and_changes_nothing(
    machine: SimMachine, fault_id: object
) -> None:
    machine.faults.inject("estop")
    with pytest.raises(UnknownFault):
        machine.faults.clear(fault_id)
    assert len(machine.faults.active()) == 1
