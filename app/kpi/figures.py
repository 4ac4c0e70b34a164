"""Adoption and quality figures computed from historian events (pure functions, no I/O)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from app.kpi.source import Ev
from app.kpi.stats import median, percentile, ratio

WEEK_S = 7 * 86400.0
DEFAULT_SHIFTS = "early=6-14,late=14-22,night=22-6"


@dataclass(frozen=True, slots=True)
class Shift:
    name: str
    start_h: int
    end_h: int

    def holds(self, hour: int) -> bool:
        if self.start_h < self.end_h:
            return self.start_h <= hour < self.end_h
        return hour >= self.start_h or hour < self.end_h


def parse_shifts(text: str) -> list[Shift]:
    """`early=6-14,late=14-22,night=22-6` (hours of the day, UTC + the report's offset)."""
    shifts = []
    for part in text.split(","):
        name, _, span = part.partition("=")
        start, _, end = span.partition("-")
        if not name.strip() or not start.isdigit() or not end.isdigit():
            raise ValueError(f"shift {part!r}: use NAME=START-END in whole hours, e.g. early=6-14")
        shift = Shift(name.strip(), int(start), int(end))
        if not (0 <= shift.start_h < 24 and 0 <= shift.end_h < 24) or shift.start_h == shift.end_h:
            raise ValueError(f"shift {part!r}: hours must be 0..23 and differ")
        shifts.append(shift)
    return shifts


def panel_logins(events: list[Ev]) -> list[Ev]:
    return [
        e
        for e in events
        if e.kind == "login" and e.data.get("source") == "touch" and e.data.get("result") == "ok"
    ]


def adoption(
    events: list[Ev],
    roster: list[str],
    since: float,
    until: float,
    shifts: list[Shift],
    utc_offset_h: float = 0.0,
) -> dict[str, Any]:
    logins = panel_logins(events)
    users = {str(e.data.get("who")) for e in logins}
    active = sorted(users & set(roster))
    return {
        "activation": {
            "roster": len(roster),
            "active": len(active),
            "ratio": ratio(len(active), len(roster)),
            "never_logged_in": sorted(set(roster) - users),
            "not_in_roster": sorted(users - set(roster)),
        },
        "retention": retention(logins, since, until),
        "command_sources": command_sources(events),
        "logins_per_shift": logins_per_shift(logins, since, until, shifts, utc_offset_h),
        "failed_panel_logins": sum(
            1
            for e in events
            if e.kind == "login"
            and e.data.get("source") == "touch"
            and e.data.get("result") == "failed"
        ),
    }


def retention(logins: list[Ev], since: float, until: float) -> list[dict[str, Any]]:
    """Per 7-day week from `since`: panel users, and the share of last week's users back."""
    weeks: list[dict[str, Any]] = []
    start = since
    previous: set[str] | None = None
    while start < until:
        end = min(start + WEEK_S, until)
        users = {str(e.data.get("who")) for e in logins if start <= e.t < end}
        kept = len(users & previous) if previous is not None else None
        weeks.append(
            {
                "week_start": start,
                "users": len(users),
                "retained": kept,
                "ratio": ratio(kept, len(previous))
                if previous is not None and kept is not None
                else None,
            }
        )
        previous, start = users, end
    return weeks


def command_sources(events: list[Ev]) -> dict[str, Any]:
    """Commands the core answered (applied or refused), by where they came from."""
    counts = Counter(str(e.data.get("source")) for e in events if e.kind == "audit")
    total = sum(counts.values())
    return {
        "total": total,
        "by_source": dict(sorted(counts.items())),
        "panel_share": ratio(counts.get("touch", 0), total),
        "rest_share": ratio(counts.get("rest", 0), total),
    }


def logins_per_shift(
    logins: list[Ev], since: float, until: float, shifts: list[Shift], utc_offset_h: float
) -> dict[str, Any]:
    """Panel logins in each kind of shift, and per shift worked (shifts that start in the range)."""
    out: dict[str, Any] = {}
    offset = utc_offset_h * 3600.0
    for shift in shifts:
        n = sum(1 for e in logins if shift.holds(int(((e.t + offset) % 86400) // 3600)))
        first_day = (since + offset) // 86400 * 86400 - offset
        starts = [
            first_day + day * 86400 + shift.start_h * 3600
            for day in range(int((until - first_day) // 86400) + 2)
        ]
        count = sum(1 for s in starts if since <= s < until)
        out[shift.name] = {"logins": n, "shifts": count, "per_shift": ratio(n, count)}
    return out


def quality(events: list[Ev], on_s: float) -> dict[str, Any]:
    alarms = alarm_figures(events)
    session_s = sum(
        float(e.data.get("session_s") or 0.0)
        for e in events
        if e.kind == "login"
        and e.data.get("source") == "touch"
        and e.data.get("result") == "logout"
    )
    raised = alarms.pop("raised")
    return {
        "commands": command_results(events),
        "alarms": {
            "raised": raised,
            "by_severity": alarms.pop("by_severity"),
            "per_hour": ratio(raised * 3600.0, on_s),
            "operator_hours": session_s / 3600.0,
            "per_operator_hour": ratio(raised * 3600.0, session_s),
            **alarms,
        },
    }


def command_results(events: list[Ev]) -> dict[str, Any]:
    audits = [e for e in events if e.kind == "audit"]
    results = Counter(str(e.data.get("result")) for e in audits)
    reasons = Counter(
        f"{e.data.get('result')}:{(e.data.get('error') or {}).get('code', 'unknown')}"
        for e in audits
        if e.data.get("result") != "applied"
    )
    return {
        "by_result": dict(sorted(results.items())),
        "not_applied_by_reason": dict(reasons.most_common()),
    }


def alarm_figures(events: list[Ev]) -> dict[str, Any]:
    """Raised, by severity, trips by cause, ack times, and alarms still standing at the end."""
    last: dict[int, tuple[str, dict[str, Any]]] = {}
    ack_s: dict[int, float] = {}
    raised: list[dict[str, Any]] = []
    for e in events:
        if e.kind != "alarm" or not isinstance(e.data.get("alarm"), dict):
            continue
        action, rec = str(e.data.get("action")), e.data["alarm"]
        aid = int(rec.get("id", -1))
        last[aid] = (action, rec)
        if action == "raised":
            raised.append(rec)
        if action == "acked" and aid not in ack_s and rec.get("acked_at") is not None:
            ack_s[aid] = float(rec["acked_at"]) - float(rec["raised_at"])
    standing = [
        rec for action, rec in last.values() if action != "reset" and rec.get("cleared_at") is None
    ]
    times = list(ack_s.values())
    return {
        "raised": len(raised),
        "by_severity": dict(sorted(Counter(str(r.get("severity")) for r in raised).items())),
        "trips_by_cause": dict(
            Counter(str(r.get("code")) for r in raised if r.get("severity") == "trip").most_common()
        ),
        "standing_at_end": len(standing),
        "standing": sorted(f"{r.get('code')}@{r.get('source')}" for r in standing),
        "acked": len(times),
        "ack_median_s": median(times),
        "ack_p90_s": percentile(times, 0.9),
        "ack_times_s": sorted(times),
    }
