"""Build the whole KPI report (one plain dict) and render it as text, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.kpi import figures, latency, source, timeline
from app.storage.timeparse import iso

OFF_GAP_S = 300.0  # no sample for 5 min: the process was off, not merely losing history


@dataclass(frozen=True)
class Inputs:
    db: Path
    since: float
    until: float
    roster: list[str]
    shifts: list[figures.Shift]
    utc_offset_h: float = 0.0
    metrics_text: str | None = None


def build(inp: Inputs) -> dict[str, Any]:
    events = source.read_events(inp.db, inp.since, inp.until)
    samples = source.read_sample_times(inp.db, inp.since, inp.until)
    offs = timeline.off_intervals(samples, inp.since, inp.until, OFF_GAP_S)
    segments = timeline.build_timeline(events, offs, inp.since, inp.until)
    totals = timeline.seconds_by_state(segments)
    on_s = sum(v for k, v in totals.items() if k != timeline.OFF)
    adoption = figures.adoption(
        events, inp.roster, inp.since, inp.until, inp.shifts, inp.utc_offset_h
    )
    quality = figures.quality(events, on_s)
    quality["states"] = {
        "seconds": totals,
        "availability": timeline.availability(totals),
        "timeline": [[s.start, s.end, s.state] for s in segments],
    }
    lat: dict[str, Any] = {"historian": latency.freshness(samples, OFF_GAP_S)}
    if inp.metrics_text is not None:
        lat["process"] = latency.process_latency(inp.metrics_text)
    return {
        "period": {
            "since": iso(inp.since),
            "until": iso(inp.until),
            "hours": (inp.until - inp.since) / 3600,
        },
        "events": len(events),
        "adoption": adoption,
        "quality": quality,
        "latency": lat,
        "alarms_per_hour_hourly": hourly_alarms(events, inp.since, inp.until),
    }


def hourly_alarms(events: list[source.Ev], since: float, until: float) -> list[int]:
    """Alarms raised in each hour of the period (for the chart)."""
    hours = [0] * max(1, int((until - since + 3599) // 3600))
    for e in events:
        if e.kind == "alarm" and e.data.get("action") == "raised":
            hours[min(len(hours) - 1, int((e.t - since) // 3600))] += 1
    return hours


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=1, sort_keys=False)


def flat(report: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted.key, scalar) pairs; long lists (timeline, hourly counts) are left to JSON/HTML."""
    rows: list[tuple[str, Any]] = []
    for key, value in report.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += flat(value, name + ".")
        elif isinstance(value, list) and key in ("retention",):
            for k, item in enumerate(value):
                rows += flat(item, f"{name}.{k}.")
        elif isinstance(value, list):
            if key not in ("timeline", "ack_times_s", "alarms_per_hour_hourly"):
                rows.append((name, " ".join(str(v) for v in value)))
        else:
            rows.append((name, value))
    return rows


def to_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", "value"])
    for name, value in flat(report):
        writer.writerow([name, "" if value is None else value])
    return out.getvalue()
