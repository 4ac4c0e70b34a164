"""ui.rotation: Kivy turns the picture and the touches together, so a finger on the panel where a
button is drawn presses that button, and the layout audit judges the turned content."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from machine_config.config import parse_config
from tests.support import ROOT, raw_config
from tests.ui.test_ui_session import login

pytestmark = pytest.mark.ui

# (rotation, the panel's own pixels): a portrait panel mounted on its side shows 800×480 content
OFFICIAL_7IN_MM = (154.08, 85.92)  # app/ui/audit.py (importing it opens a window)
TURNS = [(90, (480, 800)), (180, (800, 480)), (270, (480, 800))]


def panel_to_content(rotation: int, panel: tuple[int, int], px: float, py: float) -> tuple:
    """Which content point a panel pixel shows when the picture is turned `rotation` degrees
    counter-clockwise (origin bottom left in both frames)."""
    w, h = panel
    return {
        0: (px, py),
        90: (py, w - 1 - px),
        180: (w - 1 - px, h - 1 - py),
        270: (h - 1 - py, px),
    }[rotation]


def content_to_panel(rotation: int, panel: tuple[int, int], cx: float, cy: float) -> tuple:
    """The panel pixel that shows content point (cx, cy): the inverse of `panel_to_content`."""
    w, h = panel
    return {
        0: (cx, cy),
        90: (w - 1 - cy, cx),
        180: (w - 1 - cx, h - 1 - cy),
        270: (cy, h - 1 - cx),
    }[rotation]


def grab(kiosk: Any) -> tuple[bytes, tuple[int, int]]:
    """The framebuffer as the panel shows it (RGB rows from the bottom), and its size."""
    from kivy.core.window import Window
    from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels

    w, h = (int(v) for v in Window.system_size)
    last = b""
    for _ in range(60):  # until two frames agree: Xvfb resizes the surface a few frames late
        Window.canvas.ask_update()  # Kivy redraws only on change; a resized surface starts black
        kiosk.frames(1)
        data: bytes = glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE)
        if data == last:
            return data, (w, h)
        last = data
    raise AssertionError("the picture did not settle")


def pixel(shot: tuple[bytes, tuple[int, int]], x: float, y: float) -> bytes:
    data, (w, _h) = shot
    i = (round(y) * w + round(x)) * 3
    return data[i : i + 3]


def near(shot: tuple[bytes, tuple[int, int]], x: float, y: float) -> set[bytes]:
    """The pixel at (x, y) and its neighbours (text edges land a pixel off when turned)."""
    return {pixel(shot, x + dx, y + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)}


class PanelTouch:
    """A finger on the panel at pixel (px, py), in the panel's own frame, as the touch drivers
    (SDL, mtdev, hidinput) report it: normalised over the panel's axes, origin bottom left."""

    def __init__(self, px: float, py: float) -> None:
        from kivy.base import EventLoop
        from kivy.input.motionevent import MotionEvent

        class _Touch(MotionEvent):  # type: ignore[misc]
            def depack(self, args: Any) -> None:
                self.sx, self.sy = args
                super().depack(args)

        w, h = EventLoop.window.system_size
        self.loop = EventLoop
        self.event = _Touch("panel", 7, (px / (w - 1), py / (h - 1)), is_touch=True)
        self.event.profile = ["pos"]

    def tap(self, kiosk: Any) -> None:
        self.loop.post_dispatch_input("begin", self.event)
        kiosk.frames(1)
        self.loop.post_dispatch_input("end", self.event)
        kiosk.frames(2)


@pytest.fixture
def turn(kiosk: Any) -> Iterator[Any]:
    """Turn the kiosk's window for one test; back to 0° and 800×480 afterwards."""
    from kivy.core.window import Window

    def to(rotation: int, panel: tuple[int, int]) -> None:
        resized: list[tuple[int, int]] = []

        def seen(_win: Any, w: int, h: int) -> None:
            resized.append((w, h))

        before = tuple(Window.system_size)
        Window.bind(on_resize=seen)
        Window.rotation = rotation
        Window.size = panel if rotation in (0, 180) else (panel[1], panel[0])  # content frame
        if before != panel:  # draw only once the window system has resized the surface
            kiosk.until(lambda: panel in resized, what="the window resized to the panel")
        Window.unbind(on_resize=seen)
        # At start Kivy reads the rotation before its first viewport; turning a running window
        # without a size change (180°) redraws turned only from the next viewport update.
        Window.update_viewport()
        kiosk.frames(3)

    yield to
    to(0, (800, 480))


@pytest.mark.parametrize(("rotation", "panel"), TURNS, ids=lambda t: str(t))
def test_a_finger_where_start_is_drawn_presses_start(
    kiosk: Any, fresh: None, turn: Any, rotation: int, panel: tuple[int, int]
) -> None:
    from kivy.core.window import Window

    core = kiosk.core
    login(kiosk, "olga")
    start = kiosk.show("overview").ids.start
    kiosk.app.root.toast_text = ""
    upright = grab(kiosk)
    turn(rotation, panel)
    assert tuple(Window.size) == (800, 480)  # the content keeps its frame
    turned = grab(kiosk)
    assert turned[1] == panel
    # The picture is turned: (nearly) every panel pixel shows what the upright window showed at
    # the content point it maps to (the clock and live values may change a few pixels).
    samples = [(x, y) for x in range(3, panel[0] - 3, 23) for y in range(3, panel[1] - 3, 23)]
    same = sum(
        pixel(turned, x, y) in near(upright, *panel_to_content(rotation, panel, x, y))
        for x, y in samples
    )
    assert same >= 0.97 * len(samples), f"{same}/{len(samples)} pixels where expected"
    acted: list[Any] = []
    start.bind(on_act=acted.append)
    try:
        cx, cy = start.to_window(*start.center)
        px, py = content_to_panel(rotation, panel, cx, cy)
        assert pixel(turned, px, py) == pixel(upright, cx, cy)  # start is drawn here
        # A finger where start would be drawn if the picture were turned the other way (or not
        # at all, for 180°) lands on the state box: nothing acts.
        wrong = content_to_panel({90: 270, 180: 0, 270: 90}[rotation], panel, cx, cy)
        assert abs(wrong[0] - px) + abs(wrong[1] - py) > 100
        PanelTouch(*wrong).tap(kiosk)
        kiosk.show("overview")
        kiosk.run_machine(1)
        assert acted == [] and core.snapshot.state == "idle"
        PanelTouch(px, py).tap(kiosk)
        assert acted == [start]
        kiosk.until(lambda: core.snapshot.state == "heating", what="start from a turned panel")
    finally:
        start.unbind(on_act=acted.append)


def test_the_layout_audit_judges_the_turned_content(kiosk: Any, fresh: None, turn: Any) -> None:
    """A 480×800 panel mounted on its side shows 800×480: the audit reports the same targets,
    in the same boxes and millimetres, as on an 800×480 panel."""
    from app.ui.audit import Panel
    from app.ui.layout_audit import audit_states, report

    def audit() -> dict[str, Any]:
        from kivy.core.window import Window

        panel = Panel.of((int(Window.width), int(Window.height)))
        return report(audit_states(kiosk.app, kiosk.machine, ("idle",), ("in",)), panel)

    kiosk.resize(800, 480)
    upright = audit()
    turn(90, (480, 800))
    turned = audit()
    assert turned["size"] == [800, 480] and turned["panel_mm"] == list(OFFICIAL_7IN_MM)
    assert turned["problems"] == 0
    assert [v["targets"] for v in turned["views"]] == [v["targets"] for v in upright["views"]]


def test_the_official_panel_mounted_upright_is_judged_in_its_own_millimetres(kiosk: Any) -> None:
    from app.ui.audit import Panel

    portrait = Panel.of((480, 800))
    assert (portrait.width_mm, portrait.height_mm) == (OFFICIAL_7IN_MM[1], OFFICIAL_7IN_MM[0])


def test_kiosk_layout_opens_turned_from_the_config(tmp_path: Path) -> None:
    """`tvemicro kiosk-layout` turns the window by ui.rotation before it opens (as the kiosk
    does) and judges the turned content: a 480×800 panel on its side is an 800×480 7" screen."""
    data = raw_config()
    data["ui"]["rotation"] = 90
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(data))
    args = ["--size", "480x800", "--state", "idle", "--user", "out", "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "kiosk-layout", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["rotation"] == 90 and result["size"] == [800, 480]
    assert result["panel_mm"] == list(OFFICIAL_7IN_MM) and result["problems"] == 0
    screens = {v["screen"] for v in result["views"]}
    assert {"overview", "heaters", "motors"} <= screens


def test_the_kiosk_window_takes_its_rotation_from_the_config() -> None:
    from app.ui.kiosk import window_spec

    data = raw_config()
    data["ui"]["rotation"] = 270
    assert window_spec(parse_config(data)).rotation == 270
    assert window_spec(parse_config(raw_config()), size=(480, 800)).rotation == 0
