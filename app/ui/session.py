"""Who is logged in on the panel, automatic logout, and screen blanking (and backlight dimming)
on inactivity."""

from __future__ import annotations

import time
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, Rectangle

from app.services.eventlog import log_login
from control.snapshot import Snapshot
from machine_config.config import UiConfig


class Session:
    """Login state and idle timers. A touch on a blanked screen only wakes it (it is eaten)."""

    def __init__(self, app: Any, ui: UiConfig) -> None:
        self.app = app
        self.ui = ui
        self.blanked = False
        self.last_touch = time.monotonic()
        self.login_at = 0.0
        self._eaten: set[Any] = set()
        self._event: Any = None
        self._known_alarms: set[int] = set()
        self._veil: Any = None

    def start(self) -> None:
        Window.bind(on_touch_down=self._down, on_touch_move=self._other, on_touch_up=self._up)
        self._event = Clock.schedule_interval(self.check, 1.0)

    def stop(self) -> None:
        """On every way out (window closed, SIGTERM, an exception burst): the backlight back."""
        if self._event is not None:
            self._event.cancel()
        Window.unbind(on_touch_down=self._down, on_touch_move=self._other, on_touch_up=self._up)
        self.app.services.backlight.wake()

    # -- touches --------------------------------------------------------------------------------
    def touch(self) -> None:
        self.last_touch = time.monotonic()

    def _down(self, _win: Any, touch: Any) -> bool:
        self.touch()
        if self.blanked:
            self._eaten.add(touch.uid)
            self.wake()
            return True
        return False

    def _other(self, _win: Any, touch: Any) -> bool:
        return touch.uid in self._eaten

    def _up(self, _win: Any, touch: Any) -> bool:
        if touch.uid in self._eaten:
            self._eaten.discard(touch.uid)
            return True
        return False

    # -- timers ---------------------------------------------------------------------------------
    def check(self, *_: Any) -> None:
        idle = time.monotonic() - self.last_touch
        if self.app.role != "viewer" and idle >= self.ui.logout_after_s:
            self.logout("timeout")
        if self.ui.blank_after_s > 0 and idle >= self.ui.blank_after_s and not self.blanked:
            self.blank()

    def on_snapshot(self, snap: Snapshot) -> None:
        """A new unacknowledged alarm wakes a blanked screen."""
        ids = {a.id for a in snap.alarms if a.acked_at is None}
        if self.blanked and ids - self._known_alarms:
            self.wake()
        self._known_alarms = ids

    def blank(self) -> None:
        """Black overlay, plus the backlight dimmed to ui.dim_percent where the panel allows."""
        self.blanked = True
        with Window.canvas.after:
            self._veil = (Color(0, 0, 0, 1), Rectangle(pos=(0, 0), size=Window.size))
        self.app.services.backlight.dim()

    def wake(self) -> None:
        if self._veil is not None:
            for instruction in self._veil:
                Window.canvas.after.remove(instruction)
            self._veil = None
        self.app.services.backlight.wake()
        self.blanked = False
        self.touch()
        if self.app.bridge.last is not None:
            self.app.current().refresh(self.app.bridge.last)

    # -- login ----------------------------------------------------------------------------------
    def user_button(self) -> None:
        if self.app.user:
            self.logout("manual")
        else:
            self.app.go("login")

    def login(self, name: str, role: str) -> None:
        self.app.user, self.app.role = name, role
        self.login_at = time.monotonic()
        self.touch()
        self._record({"result": "ok", "who": name, "role": role, "source": "touch"})
        self.app.notify(self.app.t.f("welcome", who=name), "info")

    def failed(self, name: str) -> None:
        self._record({"result": "failed", "who": name, "source": "touch"})

    def logout(self, reason: str) -> None:
        if not self.app.user:
            return
        held = round(time.monotonic() - self.login_at, 1)
        data = {"result": "logout", "who": self.app.user, "role": self.app.role}
        self._record({**data, "source": "touch", "reason": reason, "session_s": held})
        self.app.user, self.app.role = "", "viewer"
        close_popups()
        self.app.notify(self.app.t.get("logged_out_" + reason), "info")

    def _record(self, data: dict[str, Any]) -> None:
        log_login(data)
        wall = self.app.machine.clock.wall()
        sessions = self.app.services.sessions
        self.app.bridge.background(lambda: sessions.record("login", wall, data), _ignore)


def close_popups() -> None:
    """Close open keypads: what they were about to send belonged to the last user."""
    from kivy.uix.modalview import ModalView

    for widget in list(Window.children):
        if isinstance(widget, ModalView):
            widget.dismiss(animation=False)


def _ignore(_value: Any, _err: BaseException | None) -> None:
    """Session records are best effort: a storage problem is reported by the historian."""
