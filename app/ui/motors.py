"""Motors: run speeds, driver status, engineer jog (interlocks explained), aux outputs."""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from app.ui import fmt, words
from app.ui.base import KioskScreen
from app.ui.i18n import Strings
from app.ui.keypad import open_keypad
from app.ui.theme import TEXT_MIN
from app.ui.widgets import PanelButton
from control import commands as c
from control.snapshot import MotorView, OutputView, Snapshot

JOG_S = 5.0


def driver_status(m: MotorView, t: Strings) -> tuple[str, str]:
    if m.fault:
        return t.f("motor_fault", fault=words.fault(m.fault, t)), "trip"
    if m.running:
        return t.motor_running, ""
    return (t.motor_enabled if m.enabled else t.motor_off), ""


class MotorCard(BoxLayout):  # type: ignore[misc]
    """One motor: actual rpm, run speed (keypad), driver status and jog buttons."""

    title = StringProperty("")
    actual = StringProperty("")
    target = StringProperty("")
    run_speed = StringProperty("")
    status = StringProperty("")
    alert = StringProperty("")
    jog_reason = StringProperty("")
    view = ObjectProperty(None, allownone=True)

    def show(self, m: MotorView, snap: Snapshot, t: Strings) -> None:
        self.view = m
        self.title = m.name
        self.actual = fmt.rpm(m.rpm, t)
        self.target = t.f("target_is", v=f"{m.target_rpm:.1f}")  # the unit is on the actual
        self.run_speed = t.f("run_speed", v=f"{m.run_rpm:g}")
        self.status, self.alert = driver_status(m, t)
        self.jog_reason = "" if snap.mode == "manual" else t.needs_manual

    def edit_speed(self) -> None:
        app, m = _app(), self.view
        if m is None or not app.may("operator"):
            return

        def submit(value: float, done: Any) -> None:
            app.act(
                lambda a: c.SetRunRpm(m.id, value, actor=a),
                "operator",
                app.t.f("speed_applied", v=f"{value:g}"),
                done,
            )

        title = app.t.f("run_speed_of", motor=m.name)
        unit = app.t.unit_rpm
        open_keypad(submit, current=m.run_rpm, title=title, unit=unit, lo=0, hi=m.max_rpm, step=1)

    def jog(self, direction: int) -> None:
        app, m = _app(), self.view
        if m is None:
            return
        rpm = direction * max(1.0, m.run_rpm or m.max_rpm / 4)
        done = app.t.f("jogging", motor=m.name, s=f"{JOG_S:g}")
        app.act(lambda a: c.Jog(m.id, rpm, JOG_S, actor=a), "engineer", done)


def _app() -> Any:
    from kivy.app import App

    return App.get_running_app()


class MotorsScreen(KioskScreen):
    """Cards for every motor, then the auxiliary outputs."""

    def _build(self, snap: Snapshot) -> None:
        if len(self.ids.cards.children) == len(snap.motors):
            return
        self.ids.cards.clear_widgets()
        self._cards = {m.id: MotorCard() for m in snap.motors}
        for card in self._cards.values():
            self.ids.cards.add_widget(card)
        self.ids.outputs.clear_widgets()
        self._outputs: dict[str, PanelButton] = {}
        for o in snap.outputs:
            button = PanelButton(icon="power", font_size=self.app.u * TEXT_MIN)
            button.bind(on_act=lambda b, oid=o.id: self.toggle(oid))
            self._outputs[o.id] = button
            self.ids.outputs.add_widget(button)

    def refresh(self, snap: Snapshot) -> None:
        self._build(snap)
        t = self.app.t
        for m in snap.motors:
            self._cards[m.id].show(m, snap, t)
        for o in snap.outputs:
            self._show_output(o, snap, t)

    def _show_output(self, o: OutputView, snap: Snapshot, t: Strings) -> None:
        button = self._outputs[o.id]
        button.caption = o.name
        button.sub = t.on if o.on else t.off
        button.icon = "toggle-switch" if o.on else "toggle-switch-off-outline"
        button.reason = t.trip_active if snap.state == "fault" and not o.on else ""

    def toggle(self, output_id: str) -> None:
        snap = self.app.bridge.last
        on = not next(o.on for o in snap.outputs if o.id == output_id)
        done = self.app.t.f("output_set", v=self.app.t.on if on else self.app.t.off)
        self.app.act(lambda a: c.SetOutput(output_id, on, actor=a), "operator", done)
