"""Alarms: ISA-18.2 states (unacked, acked, cleared), first-out, ack, ack all, reset, shelve."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from app.ui import words
from app.ui.base import KioskScreen
from app.ui.i18n import Strings
from control import commands as c
from control.snapshot import AlarmView, Snapshot

SHELVE_S = 3600.0


def clock_of(iso_text: str | None) -> str:
    """Local HH:MM:SS of an ISO 8601 UTC timestamp ('' when absent)."""
    if not iso_text:
        return ""
    try:
        return datetime.fromisoformat(iso_text).astimezone().strftime("%H:%M:%S")
    except ValueError:
        return iso_text


def alarm_state(a: AlarmView) -> str:
    return "shelved" if a.shelved_until else a.state


def row_data(a: AlarmView, t: Strings, active: bool, snap: Snapshot | None) -> dict[str, Any]:
    """One RecycleView row: texts and flags; the row's buttons call back by id."""
    state = alarm_state(a)
    return {
        "alarm_id": a.id,
        "severity": a.severity,
        "unacked": a.acked_at is None,
        "first": t.first_out if a.first_out else "",
        "state_text": t.get("alarm_" + state),
        "source": t.machine if a.source == "machine" else words.name_of(a.source, snap),
        "message": words.alarm_text(a, snap, t),
        "when": clock_of(a.raised_at) + (f" – {clock_of(a.cleared_at)}" if a.cleared_at else ""),
        "can_ack": active and a.acked_at is None,
        "can_shelve": active and a.severity == "warning" and not a.shelved_until,
        "ack_text": t.ack,
        "shelve_text": t.shelve,
    }


class AlarmRow(BoxLayout):  # type: ignore[misc]
    """A row of the alarm list (RecycleView view class)."""

    alarm_id = 0
    severity = StringProperty("")
    unacked = BooleanProperty(False)
    first = StringProperty("")
    state_text = StringProperty("")
    source = StringProperty("")
    message = StringProperty("")
    when = StringProperty("")
    can_ack = BooleanProperty(False)
    can_shelve = BooleanProperty(False)
    ack_text = StringProperty("")
    shelve_text = StringProperty("")

    def ack(self) -> None:
        _screen().ack(self.alarm_id)

    def shelve(self) -> None:
        _screen().shelve(self.alarm_id)


def _screen() -> AlarmsScreen:
    from kivy.app import App

    screen: AlarmsScreen = App.get_running_app().root.ids.sm.get_screen("alarms")
    return screen


class AlarmsScreen(KioskScreen):
    """Active alarms (newest first) or the history of ended alarms."""

    rows = ListProperty([])
    showing = StringProperty("active")
    ack_all_reason = StringProperty("")
    reset_reason = StringProperty("")
    reset_result = StringProperty("")  # why the last reset was refused, until the next one
    summary = StringProperty("")

    def refresh(self, snap: Snapshot) -> None:
        t = self.app.t
        if self.showing == "active":
            alarms = sorted(snap.alarms, key=lambda a: (a.acked_at is not None, -a.id))
        else:
            alarms = list(reversed(self.app.bridge.alarm_history()))[:200]
        self.rows = [row_data(a, t, self.showing == "active", snap) for a in alarms]
        unacked = sum(1 for a in snap.alarms if a.acked_at is None)
        self.ack_all_reason = "" if unacked else t.nothing_to_ack
        latched = any(a.latched and a.severity == "trip" for a in snap.alarms)
        self.reset_reason = "" if snap.state == "fault" or latched else t.nothing_to_reset
        self.summary = t.f("alarm_summary", n=len(snap.alarms), u=unacked)
        if snap.state != "fault":
            self.reset_result = ""

    def show(self, which: str) -> None:
        self.showing = which
        if self.app.bridge.last is not None:
            self.refresh(self.app.bridge.last)

    def ack(self, alarm_id: int) -> None:
        self.app.act(lambda a: c.AckAlarm(alarm_id, actor=a), "operator", self.app.t.done_ack)

    def ack_all(self) -> None:
        self.app.act(lambda a: c.AckAll(actor=a), "operator", self.app.t.done_ack_all)

    def reset(self) -> None:
        """Acknowledge the trips and reset in one tap; a refusal names each cause still present,
        in full beside the button."""
        self.reset_result = ""

        def answered(outcome: Any) -> None:
            self.reset_result = "" if outcome.ok else outcome.message

        self.app.act(
            lambda a: c.Reset(ack=True, actor=a), "operator", self.app.t.done_reset, answered
        )

    def shelve(self, alarm_id: int) -> None:
        self.app.act(
            lambda a: c.ShelveAlarm(alarm_id, SHELVE_S, actor=a),
            "engineer",
            self.app.t.done_shelve,
        )
