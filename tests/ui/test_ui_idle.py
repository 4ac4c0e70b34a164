"""Inactivity: the screen blanks, the waking touch presses nothing, users are logged out."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.ui.test_ui_session import login

pytestmark = pytest.mark.ui


def idle_for(kiosk: Any, seconds: float) -> None:
    """Pretend nobody touched the panel for `seconds` (the idle timers use monotonic time)."""
    kiosk.app.session.last_touch = time.monotonic() - seconds
    kiosk.app.session.check()
    kiosk.frames(2)


def test_blank_and_the_waking_touch_does_not_press(kiosk: Any, fresh: None) -> None:
    app, core = kiosk.app, kiosk.core
    app.session.ui = app.cfg.ui.model_copy(update={"blank_after_s": 60, "logout_after_s": 600})
    login(kiosk, "olga")
    overview = kiosk.show("overview")
    idle_for(kiosk, 61)
    assert app.session.blanked
    kiosk.shot("blanked")
    kiosk.tap(overview.ids.start)  # wakes the screen only
    assert not app.session.blanked
    kiosk.run_machine(1)
    assert core.snapshot.state == "idle" and app.user == "olga"
    kiosk.tap(overview.ids.start)  # now it presses
    kiosk.until(lambda: core.snapshot.state == "heating", what="start after wake")


def test_new_alarm_wakes_the_screen(kiosk: Any, fresh: None) -> None:
    app = kiosk.app
    app.session.ui = app.cfg.ui.model_copy(update={"blank_after_s": 60})
    idle_for(kiosk, 61)
    assert app.session.blanked
    kiosk.machine.sim.faults.inject("tc_open", "feed_throat")
    kiosk.until(lambda: not app.session.blanked, what="woken by the alarm")
    assert app.root.alarm_alert == "warning"


def test_logout_after_inactivity_is_recorded(kiosk: Any, fresh: None) -> None:
    app = kiosk.app
    login(kiosk, "erik")
    idle_for(kiosk, app.cfg.ui.logout_after_s + 1)
    assert app.user == "" and app.role == "viewer"
    record = kiosk.latest_session(result="logout", who="erik")
    assert record["reason"] == "timeout" and record["role"] == "engineer"
    assert kiosk.screen("overview").ids.start.block == app.t.login_needed


def test_wrong_pin_is_refused_and_recorded(kiosk: Any, fresh: None) -> None:
    app = kiosk.app
    kiosk.tap(app.root.ids.user_button)
    login_screen = kiosk.screen("login")
    kiosk.until(lambda: login_screen.users, what="users")
    kiosk.frames(2)
    kiosk.tap(kiosk.button(login_screen, "olga"))
    kiosk.type_keys(login_screen.ids.pad, "9999")
    kiosk.tap(login_screen.ids.login_button)
    kiosk.until(lambda: login_screen.message, what="refusal")
    assert login_screen.message == app.t.wrong_pin and app.user == ""
    assert kiosk.latest_session(result="failed", who="olga")["source"] == "touch"
    assert "9999" not in str(kiosk.session_records())  # the PIN typed is never stored


def test_logout_closes_an_open_keypad(kiosk: Any, fresh: None) -> None:
    login(kiosk, "olga")
    overview = kiosk.show("overview")
    kiosk.tap(overview._tiles["nozzle"].ids.setpoint)
    pad = kiosk.until_value(kiosk.keypad, what="keypad")
    kiosk.type_keys(pad, "180")
    idle_for(kiosk, kiosk.app.cfg.ui.logout_after_s + 1)
    kiosk.until(lambda: kiosk.keypad() is None, what="keypad closed on logout")
    kiosk.run_machine(1)
    assert kiosk.core.snapshot.zone("nozzle").setpoint_c == 210
