"""The E-stop/trip banner text, shared by the frame and the Overview (which then drops a strip)."""

from __future__ import annotations

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
        parts.append(t.f("tripped", cause=first.message if first else t.unknown_cause))
    return "   ·   ".join(parts)
