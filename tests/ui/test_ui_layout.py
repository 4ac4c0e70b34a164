"""The glove rules, judged by the same audit as `tvemicro kiosk-layout`, on the 7" panel
(800×480) and a 10.1" panel (1280×800): every screen in every machine state, logged out and in."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.ui

SIZES = [(800, 480), (1280, 800)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_view_is_glove_sized_with_stop(
    kiosk: Any, fresh: None, size: tuple[int, int]
) -> None:
    from app.ui.layout_audit import STATES, audit_states

    kiosk.resize(*size)
    views = audit_states(kiosk.app, kiosk.machine, STATES)
    seen = {(v["state"], v["user"], v["screen"]) for v in views}
    assert ("trip", "out", "login") in seen and ("disabled", "in", "disabled") in seen
    assert ("idle", "in", "keypad") in seen and ("idle", "in", "add_user") in seen
    assert ("idle", "in", "add_user_role") in seen
    bad = {f"{v['state']}/{v['user']}/{v['screen']}": v["problems"] for v in views if v["problems"]}
    assert bad == {}  # each target ≥ 15 mm, 2 mm apart, uncovered, on screen; STOP and E-STOP
    for view in views:
        ids = {t["id"] for t in view["targets"]}
        assert {"stop", "estop"} <= ids, view["screen"]


def test_stop_works_over_an_open_keypad(kiosk: Any, fresh: None) -> None:
    """A sheet covers the screen, not the header: STOP is still one tap away."""
    from tests.ui.test_ui_session import login

    app, core = kiosk.app, kiosk.core
    kiosk.resize(800, 480)
    login(kiosk, "olga")
    overview = kiosk.show("overview")
    kiosk.tap(overview.ids.preheat)
    kiosk.until(lambda: core.snapshot.state == "heating", what="heating")
    kiosk.tap(overview._tiles["barrel"].ids.setpoint)
    pad = kiosk.until_value(kiosk.keypad, what="keypad")
    assert pad.entry == "200" and pad.fresh  # opens on the current value
    kiosk.tap(pad.ids.plus)
    assert pad.entry == "201"
    kiosk.tap(app.root.ids.stop)
    kiosk.until(lambda: core.snapshot.state in ("stopping", "idle"), what="stopped")


def test_soft_estop_needs_a_second_tap(kiosk: Any, fresh: None) -> None:
    app, core = kiosk.app, kiosk.core
    kiosk.show("overview")
    kiosk.tap(app.root.ids.estop)
    kiosk.run_machine(0.5)
    assert core.snapshot.state == "idle" and app.root.estop_armed  # armed, nothing sent yet
    kiosk.tap(app.root.ids.estop)
    kiosk.until(lambda: core.snapshot.state == "fault", what="soft E-stop trip")
    assert not app.root.estop_armed
