"""Operators read words, never internal names: every refusal the core gives, every START reason,
every sensor/driver fault code and every alarm a simulated fault raises, in English and German.

The refusals are the core's own (commands refused by a virtual simulator), so a new refusal
wording in control/ shows up here; app/ui/words.py imports no Kivy."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.services.machine import build_machine
from app.ui import words
from app.ui.i18n import TABLES, Strings
from control import commands as c
from control.errors import CoreUnavailable, HmiError, StorageUnavailable
from control.interlocks import START_REFUSED_IN
from machine_config.config import parse_config
from tests.support import raw_config

LANGUAGES = sorted(TABLES)
SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
MAX31855 = ("tc_open", "tc_short_gnd", "tc_short_vcc")


def operator_text(text: str) -> None:
    assert text, "no words"
    assert not SNAKE.search(text), f"internal name in {text!r}"
    assert "`" not in text, f"backticks in {text!r}"
    assert "{" not in text, f"unfilled placeholder in {text!r}"


@pytest.fixture
def machine() -> Any:
    m = build_machine(parse_config(raw_config(), "config.yaml"), "sim", virtual=True)
    m.virtual.run_for(2)
    yield m
    m.close()


Refusal = tuple[HmiError, Any]  # the core's error and the snapshot the panel had then


def refused(machine: Any, cmd: c.Command) -> Refusal:
    with pytest.raises(HmiError) as caught:
        machine.virtual.call(cmd)
    return caught.value, machine.core.snapshot


def core_refusals(m: Any) -> list[tuple[Refusal, str]]:
    """(refusal, subject name) for each way the core says no, made by really asking it."""
    v = m.virtual
    out = [
        (refused(m, c.SetSetpoint("barrel", 999.0)), "Barrel"),
        (refused(m, c.SetPid("barrel", 99.0, 0.0, 0.0)), "Barrel"),
        (refused(m, c.SetManualDuty("barrel", 0.5)), "Barrel"),
        (refused(m, c.Jog("screw", 10.0, 1.0)), "Screw"),
        (refused(m, c.Reset(ack=True)), ""),
        (refused(m, c.ApplyAutotune("barrel")), "Barrel"),
        (refused(m, c.AbortAutotune("barrel")), "Barrel"),
        (refused(m, c.AckAlarm(9999)), ""),
        (refused(m, c.SetSetpoint("nowhere", 100.0)), ""),
    ]
    v.call(c.SetMode("manual"))
    out += [
        (refused(m, c.Start()), ""),
        (refused(m, c.Preheat()), ""),
        (refused(m, c.Jog("screw", 10.0, 1.0)), "Screw"),  # cold screw
        (refused(m, c.Jog("screw", 1e9, 1.0)), "Screw"),
    ]
    v.call(c.SetMode("auto"))
    m.sim.faults.inject("tc_open", "barrel")
    v.run_for(2)
    out += [(refused(m, c.StartAutotune("barrel", 150.0)), "Barrel")]
    m.sim.set_estop_chain(False)
    v.run_for(1)
    out += [
        (refused(m, c.Reset(ack=True)), ""),  # thermocouple still open, E-stop still pressed
        (refused(m, c.SetOutput("water_pump", True)), ""),
        (refused(m, c.Start()), ""),
    ]
    trip = next(a for a in m.core.snapshot.alarms if a.severity == "trip")
    out += [(refused(m, c.ShelveAlarm(trip.id, 60.0)), "")]
    m.sim.faults.clear_all()
    m.sim.set_estop_chain(True)
    v.run_for(3)
    v.call(c.Reset(ack=True))
    v.call(c.SetHmiEnabled(False))
    out += [(refused(m, c.SetSetpoint("barrel", 100.0)), "Barrel")]
    out += [((CoreUnavailable("the control loop did not answer"), None), "")]
    out += [((StorageUnavailable("disk full"), None), "")]
    return out


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_core_refusal_reads_as_words(machine: Any, language: str) -> None:
    t = Strings(language)
    for (err, snap), subject in core_refusals(machine):
        text = words.refusal(err, t, snap, subject)
        operator_text(text)
        if language != "en":
            assert err.message not in text, f"{err.message!r} shown untranslated"


def test_a_setpoint_out_of_range_names_zone_range_and_unit(machine: Any) -> None:
    err, snap = refused(machine, c.SetSetpoint("barrel", 999.0))
    assert err.message == "setpoint_c must be between 0 and 260"  # REST keeps the field name
    assert words.refusal(err, Strings("en"), snap, "Barrel") == "Barrel setpoint: 0–260 °C"
    assert words.refusal(err, Strings("de"), snap, "Barrel") == "Sollwert Barrel: 0–260 °C"


def test_a_refused_reset_names_the_causes_still_present(machine: Any) -> None:
    machine.sim.faults.inject("tc_open", "barrel")
    machine.sim.set_estop_chain(False)
    machine.virtual.run_for(2)
    err, snap = refused(machine, c.Reset(ack=True))
    text = words.refusal(err, Strings("en"), snap)
    assert text.startswith("Reset refused: ")
    assert "Barrel thermocouple still open circuit" in text
    assert "E-stop still pressed" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_start_reason_reads_as_words(language: str) -> None:
    t = Strings(language)
    reasons = [*START_REFUSED_IN.values(), "manual mode", "E-stop chain open", "autotune running"]
    reasons += ["stop button pressed or its wire cut", "HMI disabled", "Barrel sensor not healthy"]
    reasons += ["Barrel at 21.5 °C is below the minimum extrusion temperature 150 °C"]
    for reason in reasons:
        text = words.reason(reason, t)
        operator_text(text)
        if language != "en":
            assert text != reason, f"{reason!r} shown untranslated"


@pytest.mark.parametrize("language", LANGUAGES)
def test_fault_codes_are_words(language: str) -> None:
    t = Strings(language)
    assert words.fault("tc_open", Strings("en")) == "open circuit"
    for code in (*MAX31855, "spi_error", "stale", "driver_alarm"):
        text = words.fault(code, t)
        operator_text(text)
        assert text != code


@pytest.mark.parametrize("kind", ["tc_open", "tc_short_gnd", "tc_short_vcc", "spi_error",
                                  "sensor_frozen", "driver_alarm", "estop"])  # fmt: skip
def test_alarms_from_simulated_faults_read_as_words(machine: Any, kind: str) -> None:
    target = {"driver_alarm": "screw", "estop": "machine"}.get(kind, "feed_throat")
    machine.sim.faults.inject(kind, target)
    machine.virtual.run_for(10)
    snap = machine.core.snapshot
    assert snap.alarms, "the fault raised no alarm"
    for language in LANGUAGES:
        for alarm in snap.alarms:
            operator_text(words.alarm_text(alarm, snap, Strings(language)))


def test_no_string_table_shows_commands_or_backticks() -> None:
    for language, table in TABLES.items():
        for key, text in table.items():
            assert "`" not in text and "tvemicro " not in text, (language, key)
