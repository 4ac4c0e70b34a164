"""Every screen renders against the simulator at 800×480, 1024×600 and 1280×800 (screenshots)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.ui

SIZES = [(800, 480), (1024, 600), (1280, 800)]
SCREENS = ["overview", "heaters", "motors", "trends", "alarms", "system", "login"]


def _inside(widget: Any, window_size: tuple[int, int]) -> bool:
    x, y = widget.to_window(widget.x, widget.y)
    return (
        x >= -1
        and y >= -1
        and x + widget.width <= window_size[0] + 1
        and (y + widget.height <= window_size[1] + 1)
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_screen_renders_and_fits(kiosk: Any, size: tuple[int, int]) -> None:
    from app.ui.widgets import PanelButton

    kiosk.resize(*size)
    kiosk.run_machine(2)
    for name in SCREENS:
        screen = kiosk.show(name)
        kiosk.refresh()
        assert kiosk.app.root.ids.sm.current == name
        chrome = [*kiosk.app.root.ids.header.walk(), *kiosk.app.root.ids.nav.walk()]
        widgets = [*screen.walk(), *chrome]
        buttons = [w for w in widgets if isinstance(w, PanelButton) and w.opacity > 0]
        for button in buttons:
            if button.width > 0:
                assert _inside(button, size), f"{name}: {button.caption!r} is off screen"
        path = kiosk.shot(name)
        assert path.stat().st_size > 10_000
    check_disabled_screen(kiosk, size)
    kiosk.show("overview")


def check_disabled_screen(kiosk: Any, size: tuple[int, int]) -> None:
    """The legacy-panel screen appears by itself when hmi_enabled goes false."""
    from control.commands import SetHmiEnabled

    kiosk.show("overview")
    kiosk.machine.virtual.call(SetHmiEnabled(False))
    try:
        kiosk.until(lambda: kiosk.app.root.ids.sm.current == "disabled", what="disabled screen")
        kiosk.refresh()
        screen = kiosk.screen("disabled")
        assert screen.values and _inside(screen.ids.enable, size)
        assert kiosk.app.root.nav_button("heaters").block  # alarms and system stay usable
        kiosk.shot("disabled")
    finally:
        kiosk.machine.virtual.call(SetHmiEnabled(True))
    kiosk.until(lambda: kiosk.app.root.ids.sm.current == "overview", what="back to overview")
