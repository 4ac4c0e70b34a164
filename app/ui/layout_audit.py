"""Drive the kiosk through machine states and screens and audit each view (`kiosk-layout`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.base import EventLoop
from kivy.core.window import Window

from app.ui.audit import Panel, audit_view
from control import commands as c

STATES = ("idle", "heating", "running", "trip", "disabled")
USERS = ("out", "in")
AUDIT_USER = ("audit", "admin")  # logged in as admin: every button of every role is shown


def frames(n: int = 3) -> None:
    for _ in range(n):
        EventLoop.idle()


def baseline(app: Any, machine: Any) -> None:
    """Idle, logged out, no faults, alarms or open sheets (what every state starts from)."""
    from app.ui.session import close_popups

    virtual = machine.virtual
    close_popups()
    app.session.logout("manual")
    machine.sim.faults.clear_all()
    machine.sim.set_estop_chain(True)
    virtual.call(c.Stop())
    virtual.run_until(lambda: machine.core.snapshot.state in ("idle", "fault"), 300)
    if machine.core.snapshot.state == "fault":
        virtual.call(c.Reset(ack=True))
    virtual.call(c.AckAll())
    if not machine.core.snapshot.hmi_enabled:
        virtual.call(c.SetHmiEnabled(True))


def enter(state: str, machine: Any) -> None:
    """Put the (virtual-time) simulator into `state`."""
    virtual, core = machine.virtual, machine.core
    if state == "heating":
        virtual.call(c.Start())
        virtual.run_for(5)
    elif state == "running":
        virtual.call(c.Start())
        virtual.run_until(lambda: core.snapshot.state == "running", 3600)
    elif state == "trip":
        machine.sim.faults.inject("estop", "machine")
        virtual.run_for(1)
    elif state == "disabled":
        virtual.call(c.SetHmiEnabled(False))
        virtual.run_for(1)
    elif state != "idle":
        raise ValueError(f"unknown state {state!r}; one of {', '.join(STATES)}")


def deliver(app: Any) -> None:
    """Hand the core's latest snapshot to the UI and draw."""
    app.bridge.poll()
    frames(3)


def screens_for(state: str, user: str) -> list[str]:
    names = ["overview", "heaters", "motors"] if state != "disabled" else ["disabled"]
    names += ["trends", "alarms", "system"]
    if user == "out":
        names.append("login")
    else:
        if state != "disabled":
            names.append("keypad")  # the setpoint keypad, opened from Overview
        if state == "idle":  # System's Add user: the letter keyboard, then the role
            names += ["add_user", "add_user_role"]
    return names


def show(app: Any, name: str) -> list[Any]:
    """Show `name` and return the widget roots to audit (frame, screen, open sheets)."""
    from app.ui.session import close_popups

    close_popups()
    frames(1)
    if name == "keypad":
        app.go("overview")
        frames(2)
        tiles = list(app.current()._tiles.values())
        tiles[0].tap_setpoint()
    elif name.startswith("add_user"):
        _add_user(app, name)
    else:
        app.go(name)
    frames(4)
    roots: list[Any] = [app.root]
    roots += [w for w in Window.children if w is not app.root]
    return roots


def _add_user(app: Any, name: str) -> None:
    """Open System's Add user sheet (as admin); `add_user_role` goes on to the role step."""
    from app.ui.new_user import NewUserSheet

    app.go("system")
    frames(2)
    app.current().add_user()
    frames(2)
    if name == "add_user_role":
        sheet = next(w for w in Window.children if isinstance(w, NewUserSheet))
        sheet.entry, sheet.step = "Audit Test", "role"


def audit_states(
    app: Any,
    machine: Any,
    states: tuple[str, ...] = STATES,
    users: tuple[str, ...] = USERS,
    shot: Callable[[str], Any] | None = None,
    panel: Panel | None = None,
) -> list[dict[str, Any]]:
    """Visit every screen in every (state, user) pair; one audit dict per view."""
    panel = panel or Panel.of((int(Window.width), int(Window.height)))
    views = []
    for state in states:
        for user in users:
            baseline(app, machine)
            enter(state, machine)
            if user == "in":
                app.session.login(*AUDIT_USER)
            deliver(app)
            for name in screens_for(state, user):
                roots = show(app, name)
                app.root.toast_text = ""  # a login greeting is not part of the layout
                frames(2)
                view = {"state": state, "user": user, "screen": name, **audit_view(roots, panel)}
                views.append(view)
                if shot is not None:
                    shot(f"{name}_{state}_{user}")
    baseline(app, machine)
    deliver(app)
    return views


def report(views: list[dict[str, Any]], panel: Panel) -> dict[str, Any]:
    return {
        "size": [panel.width_px, panel.height_px],
        "panel_mm": [panel.width_mm, panel.height_mm],
        "px_per_mm": [round(1 / panel.mm_x, 2), round(1 / panel.mm_y, 2)],
        "views": views,
        "problems": sum(len(v["problems"]) for v in views),
    }
