"""A trip reaches the screen within one refresh; START is disabled and says why."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.test_ui_session import login

pytestmark = pytest.mark.ui


def test_trip_banner_and_start_reason(kiosk: Any, fresh: None) -> None:
    app, core, sim = kiosk.app, kiosk.core, kiosk.machine.sim
    kiosk.resize(1024, 600)
    login(kiosk, "olga")
    ov = kiosk.show("overview")
    assert app.root.banner_text == "" and app.root.ids.banner.height == 0
    assert not ov.ids.start.block

    sim.faults.inject("estop", "machine")
    kiosk.machine.virtual.step()  # the core sees the open chain and trips in this tick
    snap = core.snapshot
    assert snap.state == "fault" and not snap.estop_chain_ok
    app.bridge.poll()  # one refresh (every ui.refresh_s ≤ 0.5 s) is all it takes
    assert app.bridge.last is snap and app.root.banner_text
    kiosk.frames(2)
    assert app.root.ids.banner.height > 0 and "TRIP" in app.root.ids.banner_label.text
    assert app.root.state_text == "TRIP" and app.root.alarm_alert == "trip"

    kiosk.refresh()
    start = ov.ids.start
    reason = core.snapshot.start_blocked
    assert reason and start.block == reason and reason in start.text
    kiosk.tap(start)  # a press shows the reason and does not start anything
    assert reason in app.root.toast_text and core.snapshot.state == "fault"
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
