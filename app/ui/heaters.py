"""Heaters: setpoints on the keypad; for engineers PID gains, autotune and manual duty."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from app.ui import fmt
from app.ui.base import KioskScreen
from app.ui.i18n import Strings
from app.ui.widgets import PanelButton
from app.ui.zone_actions import edit_gain, edit_manual_duty, edit_setpoint, start_autotune
from app.ui.zone_facts import ZoneFacts
from control import commands as c
from control.snapshot import Snapshot, ZoneView

TUNE_STATES = ("idle", "heating", "ready")


def autotune_text(view: dict[str, Any], t: Strings) -> str:
    state = view.get("state", "idle")
    if state == "running":
        return t.f("tune_running", p=view.get("progress", 0.0) * 100, sp=view.get("setpoint_c", 0))
    if state == "done":
        return t.f("tune_done", **{k: view.get(k, 0.0) for k in ("kp", "ki", "kd")})
    if state == "failed":
        return t.f("tune_failed", reason=t.get("tune_reason_" + str(view.get("reason"))))
    return t.tune_idle


class HeatersScreen(ZoneFacts, KioskScreen):
    """One zone at a time (chosen on the left); engineer controls below the setpoint."""

    zone_id = StringProperty("")
    mode_text = StringProperty("")
    mode_reason = StringProperty("")
    kp = StringProperty("")
    ki = StringProperty("")
    kd = StringProperty("")
    tune_text = StringProperty("")
    tune_state = StringProperty("idle")
    tune_progress = NumericProperty(0.0)
    tune_reason = StringProperty("")
    manual_text = StringProperty("")
    manual_reason = StringProperty("")
    dismissed = BooleanProperty(False)

    def _zone_buttons(self, snap: Snapshot) -> None:
        box = self.ids.zones
        if len(box.children) == len(snap.zones):
            return
        box.clear_widgets()
        for z in snap.zones:
            button = PanelButton(caption=z.name, need="viewer", icon="thermometer")
            button.zone_id = z.id
            button.bind(on_act=lambda b: self.select(b.zone_id))
            box.add_widget(button)
        if not self.zone_id:
            self.zone_id = snap.zones[0].id

    def select(self, zone_id: str) -> None:
        self.zone_id = zone_id
        self.dismissed = False
        if self.app.bridge.last is not None:
            self.refresh(self.app.bridge.last)

    def zone(self) -> ZoneView | None:
        snap = self.app.bridge.last
        return None if snap is None else snap.zone(self.zone_id)

    def refresh(self, snap: Snapshot) -> None:
        self._zone_buttons(snap)
        t = self.app.t
        for button in self.ids.zones.children:
            button.selected = button.zone_id == self.zone_id
        z = snap.zone(self.zone_id)
        self.show_zone(z, t)
        self.kp, self.ki, self.kd = (f"{g:.4g}" for g in (z.pid.kp, z.pid.ki, z.pid.kd))
        self.mode_text = t.f("mode_is", mode=t.get("mode_" + snap.mode))
        stopped = snap.state in TUNE_STATES
        self.mode_reason = "" if stopped else t.f("machine_is", state=t.state(snap.state))
        self._refresh_tune(snap, z, t)
        manual = z.manual_duty
        self.manual_text = t.f("manual_duty", v=t.off if manual is None else fmt.pct(manual))
        self.manual_reason = "" if snap.mode == "manual" else t.needs_manual

    def _refresh_tune(self, snap: Snapshot, z: ZoneView, t: Strings) -> None:
        view = snap.autotune_of(z.id)
        state = view.get("state", "idle")
        if state != "done":
            self.dismissed = False
        self.tune_state = "idle" if (state == "done" and self.dismissed) else state
        self.tune_progress = float(view.get("progress", 0.0))
        self.tune_text = autotune_text(view, t) if self.tune_state != "idle" else t.tune_idle
        if snap.mode != "auto":
            self.tune_reason = t.needs_auto
        elif snap.state not in TUNE_STATES:
            self.tune_reason = t.f("machine_is", state=t.state(snap.state))
        else:
            self.tune_reason = ""

    # -- actions ---------------------------------------------------------------------------------
    def tap(self, what: str) -> None:
        z = self.zone()
        if z is None:
            return
        actions = {
            "setpoint": lambda: edit_setpoint(self.app, z),
            "kp": lambda: edit_gain(self.app, z, "kp"),
            "ki": lambda: edit_gain(self.app, z, "ki"),
            "kd": lambda: edit_gain(self.app, z, "kd"),
            "manual": lambda: edit_manual_duty(self.app, z),
            "tune": lambda: start_autotune(self.app, z),
        }
        actions[what]()

    def tune_command(self, what: str) -> None:
        zid, t = self.zone_id, self.app.t
        if what == "discard":  # the core keeps a result until the next tune; hide it here
            self.dismissed = True
            self.tune_state = "idle"
            self.tune_text = t.tune_idle
            return
        kinds = {"abort": c.AbortAutotune, "apply": c.ApplyAutotune}
        self.app.act(lambda a: kinds[what](zid, actor=a), "engineer", t.get("done_tune_" + what))

    def toggle_mode(self) -> None:
        snap = self.app.bridge.last
        new = "manual" if snap is None or snap.mode == "auto" else "auto"
        done = self.app.t.f("mode_is", mode=self.app.t.get("mode_" + new))
        self.app.act(lambda a: c.SetMode(new, actor=a), "engineer", done)
