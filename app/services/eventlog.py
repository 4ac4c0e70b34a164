"""Core events, audit records and logins as log lines at the level DESIGN §9 gives them.

Trips at error; warning alarms, refused commands and failed logins at warning; state changes,
other alarm transitions, applied commands and logins at info. Every alarm line carries its code
and source. The core calls `on_event` on the control thread: it only formats and enqueues.
"""

from __future__ import annotations

from typing import Any

from app.services.logsetup import Level, log_fields
from control.core import ControlCore, Event

ALARM_LEVELS: dict[str, Level] = {"trip": "error", "warning": "warning", "info": "info"}


def alarm_level(action: str, severity: str) -> Level:
    """A raised, restored or returning trip is an error, a warning a warning; others info."""
    if action not in ("raised", "restored", "returned"):
        return "info"
    return ALARM_LEVELS.get(severity, "warning")


def log_alarm(action: str, alarm: dict[str, Any]) -> None:
    severity = str(alarm.get("severity"))
    fields = {
        "code": alarm.get("code"),
        "source": alarm.get("source"),
        "severity": severity,
        "alarm_id": alarm.get("id"),
        "message": alarm.get("message"),
    }
    if action in ("raised", "restored"):
        fields["first_out"] = alarm.get("first_out", False)
    if action == "shelved":
        fields["shelved_until"] = alarm.get("shelved_until")
    log_fields("alarm_" + action, alarm_level(action, severity), fields)


def log_state(data: dict[str, Any]) -> None:
    fields = {"from": data.get("from"), "to": data.get("to"), "reason": data.get("reason")}
    log_fields("state", "info", fields)


def log_audit(data: dict[str, Any]) -> None:
    """An audit record: applied at info, refused at warning with the error's code up front."""
    fields = dict(data)
    level: Level = "info"
    if data.get("result") != "applied":
        level = "warning"
        error = data.get("error")
        fields["error_code"] = error.get("code") if isinstance(error, dict) else None
    log_fields("audit", level, fields)


def log_login(data: dict[str, Any]) -> None:
    """A login, logout or failed login (panel PIN or REST token); failures at warning."""
    failed = data.get("result") == "failed"
    log_fields("login_failed" if failed else "login", "warning" if failed else "info", dict(data))


def log_forbidden(who: str, role: str, needed: str, address: str) -> None:
    """A valid token asked for more than its role allows: a refusal, at warning."""
    fields = {"who": who, "role": role, "needed": needed, "source": "rest", "address": address}
    log_fields("forbidden", "warning", fields)


def on_event(event: Event) -> None:
    """The core's event sink: one line per state change, alarm transition and audit record."""
    if event.kind == "alarm":
        log_alarm(str(event.data.get("action")), event.data.get("alarm", {}))
    elif event.kind == "state":
        log_state(event.data)
    elif event.kind == "audit":
        log_audit(event.data)


def attach(core: ControlCore) -> None:
    """Log this core's events from now on (call before the control loop starts)."""
    if on_event not in core.sinks.on_event:
        core.sinks.on_event.append(on_event)


def log_restored(core: ControlCore) -> None:
    """At start-up: latched trips that survived a restart (no event is emitted for them)."""
    for alarm in core.alarms.latched_trips():
        log_alarm("restored", alarm.to_record())
