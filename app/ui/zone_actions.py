"""Keypad actions shared by the Overview and Heaters screens (setpoint, gains, duty)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.ui.bridge import Outcome
from app.ui.keypad import open_keypad
from control import commands as c
from control.snapshot import ZoneView


def _sender(app: Any, make: Callable[[Any, float], c.Command], need: str, done_key: str) -> Any:
    def submit(value: float, done: Callable[[Outcome], None]) -> None:
        app.act(lambda actor: make(actor, value), need, app.t.f(done_key, v=f"{value:g}"), done)

    return submit


def edit_setpoint(app: Any, zone: ZoneView) -> None:
    """Keypad for a zone setpoint: range 0 .. setpoint_max_c, the core validates."""
    if not app.may("operator"):
        return
    submit = _sender(
        app,
        lambda actor, v: c.SetSetpoint(zone.id, v, actor=actor),
        "operator",
        "setpoint_applied",
    )
    title = app.t.f("setpoint_of", zone=zone.name)
    open_keypad(
        submit, current=zone.setpoint_c, title=title, unit="°C", lo=0, hi=zone.setpoint_max_c,
        step=1,
    )  # fmt: skip


def edit_gain(app: Any, zone: ZoneView, gain: str) -> None:
    """Keypad for one PID gain; the other two are sent unchanged."""
    limits = {"kp": 10.0, "ki": 1.0, "kd": 1000.0}
    if not app.may("engineer"):
        return

    def make(actor: Any, value: float) -> c.Command:
        gains = {"kp": zone.pid.kp, "ki": zone.pid.ki, "kd": zone.pid.kd, gain: value}
        return c.SetPid(zone.id, actor=actor, **gains)

    submit = _sender(app, make, "engineer", "gain_applied")
    title = app.t.f("gain_of", gain=gain, zone=zone.name)
    current = getattr(zone.pid, gain)
    open_keypad(submit, current=current, title=title, unit="", lo=0, hi=limits[gain], decimals=1)


def edit_manual_duty(app: Any, zone: ZoneView) -> None:
    """Keypad for a fixed heater duty in percent (engineer, manual mode)."""
    if not app.may("engineer"):
        return
    submit = _sender(
        app,
        lambda actor, v: c.SetManualDuty(zone.id, v / 100.0, actor=actor),
        "engineer",
        "duty_applied",
    )
    current = 0.0 if zone.manual_duty is None else zone.manual_duty * 100
    title = app.t.f("duty_of", zone=zone.name)
    open_keypad(submit, current=current, title=title, unit="%", lo=0, hi=100, step=5)


def start_autotune(app: Any, zone: ZoneView) -> None:
    """Keypad for the autotune target temperature (defaults to the setpoint's range)."""
    if not app.may("engineer"):
        return
    submit = _sender(
        app,
        lambda actor, v: c.StartAutotune(zone.id, v, actor=actor),
        "engineer",
        "autotune_started",
    )
    title = app.t.f("autotune_target", zone=zone.name)
    open_keypad(
        submit, current=zone.setpoint_c, title=title, unit="°C", lo=0, hi=zone.setpoint_max_c,
        step=1,
    )  # fmt: skip
