"""A scripted operator shift with simulated touches: login, setpoint, start, alarm, stop."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import USERS

pytestmark = pytest.mark.ui


def login(kiosk: Any, name: str) -> None:
    header = kiosk.app.root.ids
    kiosk.tap(header.user_button)
    assert kiosk.app.root.ids.sm.current == "login"
    screen = kiosk.screen("login")
    kiosk.until(lambda: screen.users, what="user list loaded")
    kiosk.frames(2)
    kiosk.tap(kiosk.button(screen, name))
    kiosk.type_keys(screen.ids.pad, USERS[name][1])
    kiosk.tap(screen.ids.login_button)
    kiosk.until(lambda: kiosk.app.user == name, what="login")


def test_operator_shift(kiosk: Any, fresh: None) -> None:
    kiosk.resize(800, 480)
    app, core = kiosk.app, kiosk.core
    ov = kiosk.show("overview")
    start = ov.ids.start
    assert start.block == app.t.login_needed  # view-only until someone logs in

    # 1. log in
    login(kiosk, "olga")
    assert app.root.ids.user_button.caption == "olga" and app.role == "operator"
    record = kiosk.latest_session(who="olga")  # stored in the SQLite historian's events
    assert record["result"] == "ok" and record["source"] == "touch"
    assert record["role"] == "operator"
    assert core.snapshot.state == "idle" and not start.block

    # 2. setpoint on the keypad: out of range first (the core refuses, in words), then 205
    ov = kiosk.show("overview")
    tile = ov._tiles["barrel"]
    kiosk.tap(tile.ids.setpoint)
    pad = kiosk.until_value(kiosk.keypad, what="keypad open")
    assert "0 – 260 °C" in pad.ids.range_label.text
    kiosk.type_keys(pad, "300")
    assert pad.hint  # the pad pre-checks, but still lets the core decide
    kiosk.tap(pad.ids.ok)
    kiosk.until(lambda: pad.error, what="refusal shown")
    assert "260" in pad.error and kiosk.keypad() is pad
    assert pad.ids.message.text == pad.error
    assert core.snapshot.zone("barrel").setpoint_c == 200
    kiosk.tap(kiosk.button(pad, app.t.clear))
    kiosk.type_keys(pad, "205")
    kiosk.tap(pad.ids.ok)
    kiosk.until(lambda: kiosk.keypad() is None, what="keypad closed after the core applied it")
    assert core.snapshot.zone("barrel").setpoint_c == 205
    kiosk.refresh()
    assert tile.setpoint == "SP 205 °C" and "205" in tile.ids.setpoint.text

    # 3. START, then watch the gate countdown
    kiosk.tap(start)
    kiosk.until(lambda: core.snapshot.state == "heating", what="heating")
    kiosk.refresh()
    assert app.root.state_text == "HEATING" and "Waiting for" in ov.gate
    kiosk.run_until(lambda: bool(core.snapshot.gate.soak_remaining_s)
                    and core.snapshot.gate.ok, timeout_s=1800)  # fmt: skip
    first = core.snapshot.gate.soak_remaining_s
    assert "soaking" in ov.ids.gate.text
    kiosk.run_machine(10)
    shown = app.bridge.last  # the snapshot the widgets were refreshed from
    later = shown.gate.soak_remaining_s
    assert later is not None and later < first - 5
    assert f"{later:.0f} s left" in ov.ids.gate.text

    # 4. running; an injected warning reaches the screen; acknowledge it; STOP
    kiosk.run_until(lambda: core.snapshot.state == "running", timeout_s=600)
    assert app.root.state_text == "RUNNING"
    assert start.block == core.snapshot.start_blocked == "already running"
    assert "already running" in start.text
    kiosk.machine.sim.faults.inject("tc_open", "feed_throat")
    kiosk.until(lambda: app.root.alarm_alert == "warning", what="warning in header")
    alarm = next(a for a in core.snapshot.alarms if a.source == "feed_throat")
    assert alarm.severity == "warning" and core.snapshot.state == "running"
    kiosk.tap(app.root.nav_button("alarms"))
    alarms = kiosk.screen("alarms")
    assert app.root.ids.sm.current == "alarms"
    kiosk.until(lambda: alarms.rows and alarms.rows[0]["can_ack"], what="alarm row")
    assert "Feed throat" in alarms.rows[0]["message"]
    kiosk.tap(kiosk.button(alarms.ids.list, app.t.ack))
    kiosk.until(lambda: next(a for a in core.snapshot.alarms if a.id == alarm.id).acked_at,
                what="core acked")  # fmt: skip
    kiosk.refresh()
    assert alarms.rows[0]["state_text"] == app.t.alarm_acked and app.root.alarm_alert == ""
    ov = kiosk.show("overview")
    kiosk.tap(app.root.ids.stop)
    kiosk.until(lambda: core.snapshot.state == "stopping", what="stopping")

    # 5. idle
    kiosk.run_until(lambda: core.snapshot.state == "idle", timeout_s=120)
    assert app.root.state_text == "IDLE" and ov.state_title == "IDLE"
    assert all(m.rpm == 0 for m in core.snapshot.motors)
    kiosk.shot("session_idle")
