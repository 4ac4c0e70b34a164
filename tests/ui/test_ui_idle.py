"""Inactivity: the screen blanks (the backlight dims), the waking touch presses nothing, users
are logged out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.services.backlight import IdleDimmer
from hw.drivers.backlight import find_backlight
from hw.sim.backlight import FakeBacklightSysfs
from tests.logcapture import capture_log
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


@pytest.fixture
def backlight(kiosk: Any, tmp_path: Path) -> Iterator[FakeBacklightSysfs]:
    """The kiosk dims a fake panel backlight (max 255, at 200) to 10 % while blanked."""
    sysfs = FakeBacklightSysfs(tmp_path)
    sysfs.add("10-0045", 255, 200)
    services = kiosk.app.services
    services.backlight = IdleDimmer(find_backlight(sysfs.root, sysfs), 10)
    yield sysfs
    services.backlight = IdleDimmer(None, 0)


def test_the_backlight_dims_while_blanked_and_the_waking_touch_does_not_press(
    kiosk: Any, fresh: None, backlight: FakeBacklightSysfs
) -> None:
    app, core = kiosk.app, kiosk.core
    app.session.ui = app.cfg.ui.model_copy(update={"blank_after_s": 60, "logout_after_s": 600})
    login(kiosk, "olga")
    overview = kiosk.show("overview")
    idle_for(kiosk, 59)
    assert backlight.value("10-0045", "brightness") == 200
    idle_for(kiosk, 61)
    assert app.session.blanked and backlight.value("10-0045", "brightness") == 26
    kiosk.tap(overview.ids.start)  # wakes the screen and the backlight only
    assert not app.session.blanked and backlight.value("10-0045", "brightness") == 200
    kiosk.run_machine(1)
    assert core.snapshot.state == "idle"
    kiosk.tap(overview.ids.start)
    kiosk.until(lambda: core.snapshot.state == "heating", what="start after wake")


def test_a_new_alarm_brings_the_backlight_back(
    kiosk: Any, fresh: None, backlight: FakeBacklightSysfs
) -> None:
    app = kiosk.app
    app.session.ui = app.cfg.ui.model_copy(update={"blank_after_s": 60})
    idle_for(kiosk, 61)
    assert backlight.value("10-0045", "brightness") == 26
    kiosk.machine.sim.faults.inject("tc_open", "feed_throat")
    kiosk.until(lambda: backlight.value("10-0045", "brightness") == 200, what="alarm wakes")
    assert not app.session.blanked


def test_the_kiosk_puts_the_backlight_back_on_its_way_out(
    kiosk: Any, fresh: None, backlight: FakeBacklightSysfs
) -> None:
    """run_kiosk's `finally` (window closed, SIGTERM, an exception burst) stops the session."""
    app = kiosk.app
    app.session.ui = app.cfg.ui.model_copy(update={"blank_after_s": 60})
    idle_for(kiosk, 61)
    assert backlight.value("10-0045", "brightness") == 26
    app.session.stop()
    try:
        assert backlight.value("10-0045", "brightness") == 200
    finally:
        app.session.start()
        app.session.wake()


def test_without_a_writable_backlight_the_overlay_still_blanks(
    kiosk: Any, fresh: None, backlight: FakeBacklightSysfs
) -> None:
    app = kiosk.app
    backlight.without_udev_rule("10-0045")
    app.session.ui = app.cfg.ui.model_copy(update={"blank_after_s": 60})
    with capture_log() as logs:
        idle_for(kiosk, 61)
    assert app.session.blanked and backlight.value("10-0045", "brightness") == 200
    (line,) = logs.events("backlight_not_dimmed")
    assert line["path"].endswith("10-0045/brightness")
    kiosk.tap(kiosk.screen("overview").ids.start)
    assert not app.session.blanked
