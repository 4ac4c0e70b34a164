"""The frame around every screen: header (status, trip banner, messages, user, STOP, E-STOP), nav.

Every part of the frame has a fixed size: a trip banner, a message or a change of state only
changes text and colour, never where a button is (an operator's finger is already on its way)."""

from __future__ import annotations

import time
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.floatlayout import FloatLayout

from app.ui.banner import first_hint, trip_banner
from app.ui.i18n import Strings
from app.ui.screens import NAV, NAV_ICONS
from app.ui.widgets import PanelButton
from control import commands as c
from control.snapshot import AlarmView, Snapshot

TOAST_S = 5.0
ESTOP_CONFIRM_S = 4.0  # the soft E-stop acts on a second tap within this time
NAV_WHILE_DISABLED = ("overview", "trends", "alarms", "system")


def worst_unacked(alarms: tuple[AlarmView, ...]) -> str:
    unacked = {a.severity for a in alarms if a.acked_at is None and not a.shelved_until}
    return "trip" if "trip" in unacked else ("warning" if "warning" in unacked else "")


class KioskRoot(FloatLayout):  # type: ignore[misc]
    """Holds the header texts as properties (kv lays them out) and the STOP/E-STOP actions."""

    state_text = StringProperty("")
    state_alert = StringProperty("")
    detail_text = StringProperty("")
    hint_text = StringProperty("")
    alarm_text = StringProperty("")
    alarm_alert = StringProperty("")
    alarm_short = StringProperty("")  # the count under the Alarms tab
    banner_text = StringProperty("")
    clock_text = StringProperty("")
    toast_text = StringProperty("")
    toast_level = StringProperty("info")
    busy = StringProperty("")
    estop_armed = BooleanProperty(False)
    hmi_enabled = BooleanProperty(True)
    nav_visible = BooleanProperty(True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._toast_event: Any = None
        self._armed_at = 0.0
        self.tabs: dict[str, PanelButton] = {}
        Clock.schedule_once(self._build_nav, 0)

    def _build_nav(self, _: float) -> None:
        app: Any = App.get_running_app()
        bar = self.ids.nav
        for name in NAV:
            button = PanelButton(icon=NAV_ICONS[name], need="viewer")
            button.screen_name = name
            button.bind(on_act=lambda b: app.go(b.screen_name))
            bar.add_widget(button)
            self.tabs[name] = button
        app.bind(screen=self._mark_nav, t=self._label_nav)
        self.bind(alarm_short=self._label_nav, alarm_alert=self._label_nav)
        self.bind(hmi_enabled=self._label_nav)
        self._label_nav()
        self._mark_nav()

    def nav_button(self, name: str) -> PanelButton:
        return self.tabs[name]

    def _label_nav(self, *_: Any) -> None:
        t: Strings = App.get_running_app().t
        for name, button in self.tabs.items():
            button.caption = t.get("nav_" + name)
            usable = self.hmi_enabled or name in NAV_WHILE_DISABLED
            button.reason = "" if usable else t.hmi_off
        alarms = self.tabs.get("alarms")
        if alarms is not None:
            alarms.sub, alarms.alert = self.alarm_short, self.alarm_alert
            alarms.icon = "bell-alert" if self.alarm_alert else "bell-outline"

    def _mark_nav(self, *_: Any) -> None:
        app: Any = App.get_running_app()
        shown = "overview" if app.screen == "disabled" else app.screen
        for name, button in self.tabs.items():
            button.selected = name == shown
        self.nav_visible = app.screen != "login"  # the PIN pad needs the whole height

    def refresh(self, snap: Snapshot) -> None:
        t: Strings = App.get_running_app().t
        self.hmi_enabled = snap.hmi_enabled
        self.state_text = t.state(snap.state).upper()
        self.state_alert = "trip" if snap.state == "fault" else ""
        detail = [t.manual_banner] if snap.mode == "manual" else []
        if snap.gate.soak_remaining_s and snap.state == "heating" and snap.gate.ok:
            detail.append(t.f("soak_left", s=snap.gate.soak_remaining_s))
        self.detail_text = "  ".join(detail)
        active = [a for a in snap.alarms if not a.shelved_until]
        unacked = sum(1 for a in active if a.acked_at is None)
        self.alarm_text = t.f("alarm_count", n=len(active), u=unacked) if active else t.no_alarms
        self.alarm_short = t.f("alarm_short", n=len(active), u=unacked) if active else ""
        self.alarm_alert = worst_unacked(snap.alarms)
        self.banner_text = trip_banner(snap, t)
        self.hint_text = first_hint(snap, t, App.get_running_app().role)
        self.clock_text = time.strftime("%H:%M", time.localtime(snap.wall_s))

    def toast(self, text: str, level: str) -> None:
        """Show a command's result or a refusal for a few seconds in the header's message line
        (newest wins); it covers nothing and moves nothing."""
        self.toast_text, self.toast_level = text, level
        if self._toast_event is not None:
            self._toast_event.cancel()
        self._toast_event = Clock.schedule_once(self._clear_toast, TOAST_S)

    def _clear_toast(self, _: float) -> None:
        self.toast_text = ""

    # -- STOP and the soft E-stop, on every screen ------------------------------------------------
    def stop(self) -> None:
        """A controlled stop, accepted in every state and without a login."""
        self._command("stop", c.Stop)

    def estop(self) -> None:
        """The soft E-stop: the first tap arms it (the button turns red and asks again), a second
        tap within ESTOP_CONFIRM_S trips the machine (category 0). The hardware E-stop chain
        remains the real emergency stop."""
        now = time.monotonic()
        if self.estop_armed and now - self._armed_at <= ESTOP_CONFIRM_S:
            self.estop_armed = False
            self._command("estop", c.EStop)
            return
        self.estop_armed, self._armed_at = True, now
        Clock.schedule_once(self._disarm, ESTOP_CONFIRM_S)

    def _disarm(self, _: float) -> None:
        if time.monotonic() - self._armed_at >= ESTOP_CONFIRM_S - 0.05:
            self.estop_armed = False

    def _command(self, name: str, kind: Any) -> None:
        app: Any = App.get_running_app()
        self.busy = name
        app.act(
            lambda actor: kind(actor=actor),
            "viewer",
            app.t.get("done_" + name),
            lambda _o: setattr(self, "busy", ""),
        )
