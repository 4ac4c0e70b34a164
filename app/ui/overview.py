"""Overview: machine state and what it waits for, one tile per zone, motors, START/PREHEAT."""

from __future__ import annotations

from typing import Any

from kivy.properties import (
    ListProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout

from app.ui import fmt, words
from app.ui.base import KioskScreen
from app.ui.i18n import Strings
from app.ui.zone_actions import edit_setpoint
from app.ui.zone_facts import ZoneFacts
from control import commands as c
from control.snapshot import MotorView, Snapshot, ZoneView


class ZoneTile(ZoneFacts, BoxLayout):  # type: ignore[misc]
    """One heated zone: actual large, setpoint (tap to change), duty bar, sensor health."""

    title = StringProperty("")
    view = ObjectProperty(None, allownone=True)

    def show(self, z: ZoneView, t: Strings) -> None:
        self.view = z
        self.title = z.name
        self.show_zone(z, t)

    def tap_setpoint(self) -> None:
        if self.view is not None:
            edit_setpoint(_app(), self.view)


def _app() -> Any:
    from kivy.app import App

    return App.get_running_app()


def gate_text(snap: Snapshot, t: Strings) -> str:
    """What the sequence waits for, in words."""
    state = snap.state
    if state in ("heating", "ready") or (state == "idle" and snap.gate.blocking):
        if snap.gate.ok and snap.gate.soak_remaining_s:
            return t.f("gate_soak", s=fmt.seconds(snap.gate.soak_remaining_s))
        if snap.gate.blocking and state == "heating":
            names = [_waiting(snap.zone(zid)) for zid in snap.gate.blocking]
            return t.f("gate_waiting", zones=", ".join(names))
        if snap.gate.ok:
            return t.gate_passed
    if state == "starting" and snap.sequence_step:
        return t.f("step", step=snap.sequence_step)
    if state == "running":
        return "   ".join(f"{m.name} {fmt.rpm(m.rpm, t)}" for m in snap.motors if m.running)
    return ""


def _waiting(z: ZoneView) -> str:
    return z.name  # its tile shows actual and setpoint; the strip has room for names only


def preheat_reason(snap: Snapshot, t: Strings) -> str:
    """Pre-check only (the core decides): why PREHEAT would be refused now."""
    if not snap.hmi_enabled:
        return t.hmi_off
    if snap.state == "fault":
        return t.trip_active
    if snap.mode != "auto":
        return t.mode_manual_reason
    if snap.state in ("starting", "running", "stopping"):
        return t.f("machine_is", state=t.state(snap.state))
    return ""


class OverviewScreen(KioskScreen):
    """The home screen an operator reads at a glance."""

    state_title = StringProperty("")
    gate = StringProperty("")
    start_reason = StringProperty("")
    preheat_reason = StringProperty("")
    others = ListProperty([])
    busy = StringProperty("")

    def on_kv_post(self, *_: Any) -> None:
        self._tiles: dict[str, ZoneTile] = {}

    def _ensure_tiles(self, snap: Snapshot) -> None:
        if len(self._tiles) == len(snap.zones):
            return
        box = self.ids.tiles
        box.clear_widgets()
        for z in snap.zones:
            self._tiles[z.id] = tile = ZoneTile()
            box.add_widget(tile)

    def refresh(self, snap: Snapshot) -> None:
        t = self.app.t
        self._ensure_tiles(snap)
        for z in snap.zones:
            self._tiles[z.id].show(z, t)
        self.state_title = t.state(snap.state).upper()
        self.gate = gate_text(snap, t)
        self.start_reason = words.reason(snap.start_blocked, t)
        self.preheat_reason = preheat_reason(snap, t)
        rows = [(s.name, fmt.reading(s, t), fmt.sensor_health(s, t)[1]) for s in snap.sensors]
        rows += [(m.name, _motor_text(m, t), "trip" if m.fault else "") for m in snap.motors]
        self.others = rows

    def command(self, name: str) -> None:
        """START or PREHEAT through the core; the button shows '…' until it answers (STOP is
        in the header, on every screen)."""
        kinds = {"start": c.Start, "preheat": c.Preheat}
        self.busy = name
        self.app.act(
            lambda actor: kinds[name](actor=actor),
            "operator",
            self.app.t.get("done_" + name),
            lambda _o: setattr(self, "busy", ""),
        )


def _motor_text(m: MotorView, t: Strings) -> str:
    if m.fault:
        return t.f("motor_fault", fault=words.fault(m.fault, t))
    return fmt.rpm(m.rpm, t)
