"""What the operator reads: a failed sensor is greyed and named, refusals come in words (zone,
range, unit; causes still present), German says U/min and German check names."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.ui.test_ui_session import login

pytestmark = pytest.mark.ui

SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")


def test_a_failed_thermocouple_is_greyed_and_named_on_every_screen(kiosk: Any, fresh: None) -> None:
    from app.ui.theme import C

    app = kiosk.app
    kiosk.resize(800, 480)
    heaters = kiosk.show("heaters")
    heaters.select("barrel")
    kiosk.run_machine(2)
    assert tuple(heaters.ids.actual.color) == C.value and heaters.alert == ""

    kiosk.machine.sim.faults.inject("tc_open", "barrel")  # through the simulator's fault API
    kiosk.run_machine(2)
    kiosk.frames(2)
    assert heaters.alert == "trip" and heaters.health == "sensor: open circuit"
    assert tuple(heaters.ids.actual.color) == C.text_off  # the old number is not read as live
    tile = kiosk.show("overview")._tiles["barrel"]
    assert tuple(tile.ids.actual.color) == C.text_off and tile.health == heaters.health
    assert "Barrel thermocouple: open circuit" in app.root.banner_text
    rows = kiosk.show("alarms").rows
    row = next(r for r in rows if r["source"] == "Barrel")
    assert row["message"] == "Barrel thermocouple: open circuit"
    for text in (app.root.banner_text, row["message"], row["source"], heaters.health):
        assert not SNAKE.search(text), text
    kiosk.machine.sim.faults.clear_all()
    kiosk.run_machine(5)  # the sensor reads again before the next test resets the trip


def test_a_setpoint_out_of_range_is_refused_in_words(kiosk: Any, fresh: None) -> None:
    app = kiosk.app
    kiosk.resize(800, 480)
    login(kiosk, "olga")
    overview = kiosk.show("overview")
    for language, words in (
        ("en", "Barrel setpoint: 0–260 °C"),
        ("de", "Sollwert Barrel: 0–260 °C"),
    ):
        app.set_language(language)
        kiosk.frames(2)
        kiosk.tap(overview._tiles["barrel"].ids.setpoint)
        pad = kiosk.until_value(kiosk.keypad, what="keypad")
        kiosk.type_keys(pad, "999")
        kiosk.tap(pad.ids.ok)
        kiosk.until(lambda: pad.error, what="refusal")  # noqa: B023
        assert pad.error == words and pad.ids.message.text == words
        assert words in app.root.toast_text
        kiosk.tap(pad.ids.cancel)
    kiosk.shot("overview_refused_de", toast=True)  # the message takes both header lines
    assert kiosk.core.snapshot.zone("barrel").setpoint_c == 200


def test_a_refused_reset_names_the_cause_still_present(kiosk: Any, fresh: None) -> None:
    app = kiosk.app
    kiosk.resize(800, 480)
    login(kiosk, "olga")
    kiosk.machine.sim.faults.inject("tc_open", "barrel")
    kiosk.run_machine(2)
    alarms = kiosk.show("alarms")
    kiosk.tap(alarms.ids.reset)
    kiosk.until(lambda: "Reset refused" in app.root.toast_text, what="reset refused")
    assert "Barrel thermocouple still open circuit" in app.root.toast_text
    kiosk.frames(2)  # and in full beside the button, where it wraps instead of being cut
    assert "Barrel thermocouple still open circuit" in alarms.ids.reset_result.text
    assert kiosk.core.snapshot.state == "fault"
    kiosk.shot("alarms_reset_refused", toast=True)
    kiosk.machine.sim.faults.clear_all()
    kiosk.run_machine(5)


def test_german_system_screen_has_german_check_names_and_one_speed_unit(
    kiosk: Any, fresh: None
) -> None:
    from app.ui.i18n import EN, Strings

    app = kiosk.app
    kiosk.resize(800, 480)
    app.set_language("de")
    system = kiosk.show("system")
    kiosk.until(lambda: system.checks, what="health checks")
    kiosk.frames(2)
    english = {EN[k] for k in EN if k.startswith("check_")} - {EN["check_error"]}
    de = Strings("de")
    names = [name.strip() for name, _value, _alert in system.checks]
    assert names and set(names) <= {de.get(k) for k in EN if k.startswith("check_")}
    texts = [f"{row.get('key', '')} {row.get('value', '')}" for row in system.rows]
    assert not [t for t in texts if any(e in t for e in english)]
    assert not [t for t in texts if SNAKE.search(t) or "`" in t]
    for screen in ("overview", "motors"):
        shown = kiosk.show(screen)
        kiosk.refresh()
        texts = [w.text for w in shown.walk() if isinstance(getattr(w, "text", None), str)]
        if screen == "overview":
            texts += [value for _name, value, _alert in shown.others]
        assert any("U/min" in t for t in texts), screen
        assert not any(re.search(r"\brpm\b", t) for t in texts), screen
