"""Drives the real kiosk window in tests: frames, simulated touches, virtual machine time."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch

from app.ui.widgets import PanelButton

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"
MAX_FRAMES = 600


class Kiosk:
    """A running KioskApp plus the virtual machine behind it."""

    def __init__(self, app: Any, machine: Any, storage: Any) -> None:
        self.app = app
        self.machine = machine
        self.core = machine.core
        self.storage = storage
        self.ticks_per_frame = 1
        Clock.schedule_interval(self._tick, 0)  # the machine ticks between frames

    def _tick(self, _dt: float) -> None:
        self.machine.virtual.step(self.ticks_per_frame)

    # -- frames and time ------------------------------------------------------------------------
    def frames(self, n: int = 2) -> None:
        for _ in range(n):
            EventLoop.idle()

    def until(self, cond: Callable[[], bool], frames: int = MAX_FRAMES, what: str = "") -> int:
        """Render frames until `cond()` holds; returns how many frames it took."""
        for i in range(frames):
            if cond():
                return i
            EventLoop.idle()
        raise AssertionError(f"not reached after {frames} frames: {what or cond}")

    def until_value(self, get: Callable[[], Any], frames: int = MAX_FRAMES, what: str = "") -> Any:
        """Render frames until `get()` returns something truthy, and return it."""
        for _ in range(frames):
            value = get()
            if value:
                return value
            EventLoop.idle()
        raise AssertionError(f"nothing after {frames} frames: {what or get}")

    def refresh(self) -> None:
        """Let the bridge deliver the core's latest snapshot (its next Clock interval)."""
        seen = self.core.snapshot.monotonic_s

        def delivered() -> bool:
            last = self.app.bridge.last
            return last is not None and last.monotonic_s >= seen

        self.until(delivered, what="bridge refresh")
        self.frames(1)

    def run_machine(self, seconds: float) -> None:
        assert self.machine.virtual is not None
        self.machine.virtual.run_for(seconds)
        self.refresh()

    def run_until(
        self, pred: Callable[[], bool], timeout_s: float, frame_every_s: float = 5.0
    ) -> None:
        """Advance machine time until `pred`, drawing a frame every few machine seconds."""
        virtual = self.machine.virtual
        end = virtual.clock.now() + timeout_s
        while not pred():
            if virtual.clock.now() >= end:
                snap = self.core.snapshot
                raise AssertionError(
                    f"machine condition not reached: state {snap.state}, gate {snap.gate}, "
                    f"zones {[(z.id, z.temperature_c, z.setpoint_c) for z in snap.zones]}, "
                    f"alarms {[a.message for a in snap.alarms]}"
                )
            virtual.run_for(frame_every_s)
            self.frames(1)
        self.refresh()

    def virtual_call_stop(self) -> None:
        """Stop the machine behind the UI's back (setup, not a step under test)."""
        from control.commands import Stop

        self.machine.virtual.call(Stop())
        self.machine.virtual.run_until(lambda: self.core.snapshot.state == "idle", 300)

    def session_records(self) -> list[dict[str, Any]]:
        """Touch logins/logouts as the historian stored them in SQLite, newest first."""
        from app.storage.query import read_events

        assert self.storage.historian.flush(5.0)
        return read_events(self.storage.db_path, ["login"], limit=20)

    def latest_session(self, **match: Any) -> dict[str, Any]:
        """Render frames until the newest stored session record has `match`; return it."""

        def newest() -> dict[str, Any] | None:
            rows = self.session_records()
            ok = rows and all(rows[0].get(k) == v for k, v in match.items())
            return rows[0] if ok else None

        found: dict[str, Any] = self.until_value(newest, what=f"session record {match}")
        return found

    # -- screens and widgets --------------------------------------------------------------------
    def show(self, name: str) -> Any:
        self.app.go(name)
        self.frames(3)
        return self.screen(name)

    def screen(self, name: str) -> Any:
        return self.app.root.ids.sm.get_screen(name)

    def resize(self, width: int, height: int) -> None:
        Window.size = (width, height)
        self.until(lambda: tuple(Window.size) == (width, height), what="window resize")
        self.frames(3)

    def tap(self, widget: Any, frames: int = 2) -> None:
        """A finger down and up on the centre of `widget`, through the window like a real touch."""
        self.frames(1)
        x, y = widget.to_window(*widget.center)
        assert 0 <= x <= Window.width and 0 <= y <= Window.height, f"{widget} is off screen"
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(frames)

    def button(self, root: Any, caption: str) -> PanelButton:
        """The visible PanelButton under `root` whose caption is `caption`."""
        for widget in root.walk():
            visible = (
                widget.opacity > 0 and widget.width > 0 if isinstance(widget, PanelButton) else 0
            )
            if visible and widget.caption == caption:
                return widget
        raise AssertionError(f"no button '{caption}'")

    def keypad(self) -> Any:
        from app.ui.keypad import Keypad

        pads = [w for w in Window.children if isinstance(w, Keypad)]
        return pads[0] if pads else None

    def type_keys(self, pad: Any, text: str) -> None:
        for ch in text:
            self.tap(self.button(pad, ch), frames=1)

    def shot(self, name: str, toast: bool = False) -> Path:
        """Save the window as artifacts/screens/<name>_<W>x<H>.png (toast hidden unless asked)."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        if not toast:
            self.app.root.toast_text = ""
        self.frames(2)
        made = Window.screenshot(str(SHOTS / "shot.png"))
        width, height = Window.size
        target = SHOTS / f"{name}_{width}x{height}.png"
        os.replace(made, target)
        return target


def close_popups() -> None:
    """Dismiss any open keypad or modal (left over by a failed test)."""
    from kivy.uix.modalview import ModalView

    for widget in list(Window.children):
        if isinstance(widget, ModalView):
            widget.dismiss(animation=False)
