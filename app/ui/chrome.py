"""The frame around every screen: header (state, alarms, user), trip banner, toast, nav bar."""

from __future__ import annotations

import time
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.floatlayout import FloatLayout

from app.ui.banner import trip_banner
from app.ui.i18n import Strings
from app.ui.screens import NAV, NAV_ICONS
from app.ui.widgets import PanelButton
from control.snapshot import AlarmView, Snapshot

TOAST_S = 5.0


def worst_unacked(alarms: tuple[AlarmView, ...]) -> str:
    unacked = {a.severity for a in alarms if a.acked_at is None and not a.shelved_until}
    return "trip" if "trip" in unacked else ("warning" if "warning" in unacked else "")


class KioskRoot(FloatLayout):  # type: ignore[misc]
    """Holds the header/banner/toast texts as properties; kv lays them out."""

    state_text = StringProperty("")
    state_alert = StringProperty("")
    detail_text = StringProperty("")
    alarm_text = StringProperty("")
    alarm_alert = StringProperty("")
    banner_text = StringProperty("")
    clock_text = StringProperty("")
    toast_text = StringProperty("")
    toast_level = StringProperty("info")
    nav_visible = BooleanProperty(True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._toast_event: Any = None
        Clock.schedule_once(self._build_nav, 0)

    def _build_nav(self, _: float) -> None:
        app: Any = App.get_running_app()
        bar = self.ids.nav
        for name in NAV:
            button = PanelButton(icon=NAV_ICONS[name], need="viewer")
            button.screen_name = name
            button.bind(on_act=lambda b: app.go(b.screen_name))
            bar.add_widget(button)
        app.bind(screen=self._mark_nav, t=self._label_nav)
        self._label_nav()
        self._mark_nav()

    def _label_nav(self, *_: Any) -> None:
        t = App.get_running_app().t
        for button in self.ids.nav.children:
            button.caption = t.get("nav_" + button.screen_name)

    def _mark_nav(self, *_: Any) -> None:
        app: Any = App.get_running_app()
        for button in self.ids.nav.children:
            button.selected = button.screen_name == app.screen
        self.nav_visible = app.screen != "disabled"

    def refresh(self, snap: Snapshot) -> None:
        t: Strings = App.get_running_app().t
        self.state_text = t.state(snap.state).upper()
        self.state_alert = "trip" if snap.state == "fault" else ""
        detail = [t.manual_banner] if snap.mode == "manual" else []
        if snap.gate.soak_remaining_s and snap.state == "heating" and snap.gate.ok:
            detail.append(t.f("soak_left", s=snap.gate.soak_remaining_s))
        self.detail_text = "  ".join(detail)
        active = [a for a in snap.alarms if not a.shelved_until]
        unacked = sum(1 for a in active if a.acked_at is None)
        self.alarm_text = t.f("alarm_count", n=len(active), u=unacked) if active else t.no_alarms
        self.alarm_alert = worst_unacked(snap.alarms)
        self.banner_text = trip_banner(snap, t)
        self.clock_text = time.strftime("%H:%M", time.localtime(snap.wall_s))

    def toast(self, text: str, level: str) -> None:
        """Show a command's result or a refusal for a few seconds (newest wins)."""
        self.toast_text, self.toast_level = text, level
        if self._toast_event is not None:
            self._toast_event.cancel()
        self._toast_event = Clock.schedule_once(self._clear_toast, TOAST_S)

    def _clear_toast(self, _: float) -> None:
        self.toast_text = ""
