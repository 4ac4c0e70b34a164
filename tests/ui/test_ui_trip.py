"""A trip reaches the screen within one refresh; START is disabled and says why."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import USERS
from tests.ui.test_ui_session import login

pytestmark = pytest.mark.ui


def test_trip_banner_and_start_reason(kiosk: Any, fresh: None) -> None:
    app, core, sim = kiosk.app, kiosk.core, kiosk.machine.sim
    kiosk.resize(1024, 600)
    login(kiosk, "olga")
    ov = kiosk.show("overview")
    assert app.root.banner_text == "" and "TRIP" not in app.root.ids.banner_label.text
    assert not ov.ids.start.block

    sim.faults.inject("estop", "machine")
    kiosk.machine.virtual.step()  # the core sees the open chain and trips in this tick
    snap = core.snapshot
    assert snap.state == "fault" and not snap.estop_chain_ok
    app.bridge.poll()  # one refresh (every ui.refresh_s ≤ 0.5 s) is all it takes
    assert app.bridge.last is snap and app.root.banner_text
    kiosk.frames(2)
    assert "TRIP" in app.root.ids.banner_label.text
    assert app.root.state_text == "TRIP" and app.root.alarm_alert == "trip"

    kiosk.refresh()
    start = ov.ids.start
    assert core.snapshot.start_blocked == "a trip is active: acknowledge and reset"  # the core's
    reason = start.block  # ... and the operator's words for it
    assert reason == "a trip is active" and reason in start.text
    kiosk.tap(start)  # a press shows the reason and does not start anything
    assert reason in app.root.toast_text and core.snapshot.state == "fault"
    assert app.root.ids.toast.text == app.root.toast_text  # in the header's message line
    kiosk.shot("overview_trip", toast=True)

    sim.faults.clear_all()
    alarms = kiosk.show("alarms")
    first = next(r for r in alarms.rows if r["first"])
    assert first["severity"] == "trip"
    kiosk.tap(alarms.ids.reset)
    kiosk.until(lambda: core.snapshot.state == "idle", what="reset to idle")
    kiosk.refresh()
    assert app.root.banner_text == "" and app.root.state_text == "IDLE"
    kiosk.show("overview")
    assert not ov.ids.start.block  # the overview refreshes as it appears


def test_silent_core_is_shown_not_hidden(kiosk: Any, fresh: None) -> None:
    """When snapshots stop (a stalled loop), the banner says the values are old."""
    app = kiosk.app
    app.bridge.stale_after_s = 0.5
    try:
        kiosk.ticks_per_frame = 0
        kiosk.until(lambda: "NO DATA" in app.root.banner_text, what="no-data banner")
        assert app.root.state_alert == "trip"
    finally:
        kiosk.ticks_per_frame = 1
        app.bridge.stale_after_s = 2.0
    kiosk.run_machine(0.5)
    assert app.root.banner_text == "" and app.root.state_alert == ""


def _boxes(kiosk: Any) -> dict[str, tuple[float, ...]]:
    """Window box of every visible touch target on the current view, by id or text."""
    from app.ui.audit import targets_in, widget_id, window_box

    found = targets_in([kiosk.app.root])
    return {widget_id(w) or w.caption: window_box(w) for w in found}


def test_login_during_a_trip_at_800x480(kiosk: Any, fresh: None) -> None:
    """The blocker: a logged-out operator must log in to reset a trip. The banner takes no
    room from the screen, nothing moves when it appears, and every PIN key is usable."""
    from app.ui.audit import Panel, audit_view

    app, core = kiosk.app, kiosk.core
    kiosk.resize(800, 480)
    before = {}
    for name in ("overview", "alarms"):
        kiosk.show(name)
        before[name] = _boxes(kiosk)
    kiosk.machine.sim.faults.inject("estop", "machine")
    kiosk.run_machine(1)
    assert core.snapshot.state == "fault" and app.root.banner_text
    for name in ("alarms", "overview"):  # the banner appeared and no button moved
        kiosk.show(name)
        after = _boxes(kiosk)  # (new alarm rows may appear; nothing that was there moves)
        assert {k: after.get(k) for k in before[name]} == before[name], name

    kiosk.tap(app.root.ids.user_button)
    screen = kiosk.screen("login")
    kiosk.until(lambda: screen.users, what="user list")
    kiosk.frames(2)
    view = audit_view([app.root], Panel.of((800, 480)))
    assert sum(1 for t in view["targets"] if t["kind"] == "PadKey") == 12
    assert view["problems"] == [], view["problems"]  # ≥ 15 mm, 2 mm apart, uncovered, on screen
    kiosk.shot("login_trip")

    kiosk.tap(kiosk.button(screen, "olga"))
    kiosk.type_keys(screen.ids.pad, USERS["olga"][1])
    kiosk.tap(screen.ids.login_button)
    kiosk.until(lambda: app.user == "olga", what="login during the trip")
    kiosk.machine.sim.faults.clear_all()
    alarms = kiosk.show("alarms")
    kiosk.tap(alarms.ids.reset)
    kiosk.until(lambda: core.snapshot.state == "idle", what="reset after login")
