"""The header's texts: the E-stop/trip banner and the one-line hint that says what to do next."""

from __future__ import annotations

from app.ui import fmt, words
from app.ui.i18n import Strings
from control.snapshot import Snapshot


def trip_banner(snap: Snapshot, t: Strings) -> str:
    """The E-stop/trip line: the first-out cause first, or empty when nothing is tripped."""
    parts = []
    if not snap.estop_chain_ok and snap.state != "fault":
        parts.append(t.estop_open)
    if snap.state == "fault":
        trips = [a for a in snap.alarms if a.severity == "trip"]
        first = next((a for a in trips if a.first_out), trips[0] if trips else None)
        cause = words.alarm_text(first, snap, t) if first else t.unknown_cause
        parts.append(t.f("tripped", cause=cause))
    return "   ·   ".join(parts)


def first_hint(snap: Snapshot, t: Strings, role: str) -> str:
    """What an operator should do now, in one line (shown when no message is showing)."""
    if not snap.hmi_enabled:
        return t.hint_disabled
    if snap.state == "fault":
        return t.hint_trip_login if role == "viewer" else t.hint_trip
    if role == "viewer":
        return t.hint_login
    if snap.state == "heating" and snap.gate.ok and snap.gate.soak_remaining_s:
        return t.f("hint_soak", s=fmt.seconds(snap.gate.soak_remaining_s))
    return t.get("hint_" + snap.state)
