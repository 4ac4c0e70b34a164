"""Engineer work on the touchscreen: PID gains, autotune, manual duty, jog interlocks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.test_ui_session import login

pytestmark = pytest.mark.ui


def enter(kiosk: Any, button: Any, digits: str) -> Any:
    """Tap `button`, type `digits` on the keypad, press OK; returns the pad."""
    kiosk.tap(button)
    pad = kiosk.until_value(kiosk.keypad, what="keypad")
    kiosk.type_keys(pad, digits)
    kiosk.tap(pad.ids.ok)
    return pad


def test_operator_cannot_tune_and_is_told_why(kiosk: Any, fresh: None) -> None:
    login(kiosk, "olga")
    heaters = kiosk.show("heaters")
    kp = heaters.ids.kp
    assert kp.block == kiosk.app.t.f("role_needed", role="engineer")
    before = kiosk.core.snapshot.zone("barrel").pid.kp
    kiosk.tap(kp)
    assert kiosk.keypad() is None and "engineer" in kiosk.app.root.toast_text
    assert kiosk.core.snapshot.zone("barrel").pid.kp == before


def test_gains_autotune_manual_duty_and_jog(kiosk: Any, fresh: None) -> None:
    kiosk.resize(1024, 600)
    app, core = kiosk.app, kiosk.core
    login(kiosk, "erik")
    heaters = kiosk.show("heaters")
    heaters.select("nozzle")
    kiosk.frames(2)

    enter(kiosk, heaters.ids.kp, "0.12")
    kiosk.until(lambda: kiosk.keypad() is None, what="gain applied")
    assert core.snapshot.zone("nozzle").pid.kp == pytest.approx(0.12)
    kiosk.refresh()
    assert heaters.ids.kp.caption == "Kp 0.12"

    # autotune on a preheated machine: watch progress, apply the result
    overview = kiosk.show("overview")
    kiosk.tap(overview.ids.preheat)
    kiosk.ticks_per_frame = 100
    kiosk.run_until(lambda: core.snapshot.state == "ready", 3600, 30)
    kiosk.ticks_per_frame = 1
    heaters = kiosk.show("heaters")
    assert heaters.ids.tune_apply.block == app.t.no_result
    enter(kiosk, heaters.ids.tune_start, "210")
    kiosk.until(lambda: core.snapshot.autotune_of("nozzle")["state"] == "running", what="tune")
    kiosk.run_machine(20)
    assert heaters.tune_state == "running" and "running" in heaters.ids.tune_text.text
    assert heaters.ids.tune_start.caption == app.t.tune_abort
    kiosk.ticks_per_frame = 200
    kiosk.run_until(lambda: core.snapshot.autotune_of("nozzle")["state"] != "running", 3600, 10)
    kiosk.ticks_per_frame = 1
    result = core.snapshot.autotune_of("nozzle")
    assert result["state"] == "done", result
    assert heaters.tune_state == "done" and f"{result['kp']:.3g}" in heaters.ids.tune_text.text
    kiosk.shot("heaters_autotune_done")
    kiosk.tap(heaters.ids.tune_apply)
    kiosk.until(lambda: core.snapshot.zone("nozzle").pid.kp == pytest.approx(result["kp"]))
    assert core.snapshot.zone("nozzle").pid.ki == pytest.approx(result["ki"])

    # manual duty needs manual mode: the button says so, then works after the switch
    kiosk.virtual_call_stop()
    kiosk.refresh()
    manual = heaters.ids.manual
    assert manual.block == app.t.needs_manual and app.t.needs_manual in manual.text
    kiosk.tap(heaters.ids.mode)
    kiosk.until(lambda: core.snapshot.mode == "manual", what="manual mode")
    kiosk.refresh()
    assert not manual.block and "MANUAL" in app.root.detail_text
    enter(kiosk, manual, "20")
    kiosk.until(lambda: core.snapshot.zone("nozzle").manual_duty == pytest.approx(0.2))
    kiosk.refresh()
    assert "20 %" in manual.text

    # jog: the hot machine jogs; once the barrel is cold the interlock refuses, in words
    motors = kiosk.show("motors")
    card = motors._cards["screw"]
    assert not card.ids.jog_fwd.block
    kiosk.tap(card.ids.jog_fwd)
    kiosk.until(lambda: core.snapshot.motor("screw").running, what="jogging")
    assert "jogging" in app.root.toast_text
    kiosk.run_until(lambda: not core.snapshot.motor("screw").running, 30, 1)
    for zone in ("barrel", "nozzle"):  # a cold machine (as after a night)
        kiosk.machine.sim.set_plant_temperature(zone, 25.0)
    kiosk.run_until(lambda: (core.snapshot.zone("barrel").temperature_c or 0) < 100, 60, 1)
    kiosk.tap(card.ids.jog_rev)
    kiosk.until(lambda: app.root.toast_text.startswith("Jog refused"), what="jog refusal")
    assert "minimum extrusion temperature" in app.root.toast_text
    assert not core.snapshot.motor("screw").running
