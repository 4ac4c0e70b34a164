"""Trends: history with event markers; range buttons; pan with a finger; zoom buttons."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.test_ui_session import login

pytestmark = pytest.mark.ui


def test_trends_show_history_markers_pan_and_zoom(kiosk: Any, fresh: None) -> None:
    from kivy.tests.common import UnitTestTouch

    app, core = kiosk.app, kiosk.core
    kiosk.resize(1280, 800)
    login(kiosk, "olga")
    overview = kiosk.show("overview")
    kiosk.tap(overview.ids.start)
    kiosk.ticks_per_frame = 20
    kiosk.run_until(lambda: core.snapshot.state == "running", 1800, 10)
    kiosk.ticks_per_frame = 1
    kiosk.run_machine(30)
    kiosk.shot("readme_overview_running")
    kiosk.machine.sim.faults.inject("tc_open", "feed_throat")
    kiosk.run_machine(5)
    alarms = kiosk.show("alarms")
    assert alarms.rows[0]["severity"] == "warning" and alarms.rows[0]["can_ack"]
    kiosk.shot("readme_alarms")
    trends = kiosk.show("trends")
    kiosk.tap(trends.ids.r1h)
    assert trends.range_key == "1h" and trends.live
    kiosk.until(lambda: trends.points_drawn > 0, what="history drawn")
    plot = trends.plot
    assert plot.until - plot.since == pytest.approx(3600, abs=5)
    kinds = {e.kind for e in plot.events}
    assert {"state", "alarm"} <= kinds, kinds
    # preheat → ready → starting → running lie seconds apart on a 1 h axis: their badges stack
    assert len(plot.badges) >= 3
    for i, (x1, y1, w1, h1) in enumerate(plot.badges):
        for x2, y2, w2, h2 in plot.badges[i + 1 :]:
            apart = x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1
            assert apart, f"event badges overlap: {plot.badges}"
    kiosk.shot("readme_trends")

    x, y = plot.to_window(*plot.center)
    before = plot.since
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    kiosk.frames(1)
    touch.touch_move(x + plot.width / 4, y)
    kiosk.frames(1)
    touch.touch_up()
    kiosk.frames(2)
    assert not trends.live and plot.since < before - 600  # dragged right = back in time
    span = plot.until - plot.since
    kiosk.tap(trends.ids.zoom_in)
    assert plot.until - plot.since == pytest.approx(span / 2, rel=0.01)
    kiosk.tap(trends.ids.live)
    assert trends.live and plot.until == pytest.approx(app.bridge.last.wall_s, abs=5)
