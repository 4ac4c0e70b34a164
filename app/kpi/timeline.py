"""The machine's state over time: state events, and off-times read from gaps in the samples."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from app.kpi.source import Ev

OFF = "off"  # no samples: the process was not running
NOT_PLANNED = ("off", "idle", "disabled", "unknown")


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    end: float
    state: str


def off_intervals(
    samples: list[float], since: float, until: float, gap_s: float
) -> list[tuple[float, float]]:
    """Stretches longer than `gap_s` without a sample. No samples at all: nothing is known to be
    off (an events-only database), so nothing is marked."""
    if not samples:
        return []
    edges = [since, *samples, until]
    return [(a, b) for a, b in itertools.pairwise(edges) if b - a > gap_s]


def build_timeline(
    events: list[Ev], offs: list[tuple[float, float]], since: float, until: float
) -> list[Segment]:
    """Segments covering [since, until). Before the first state event the state is that event's
    `from`; after an off-time the process starts `idle` (DESIGN §5) until the next event."""
    first = next((e for e in events if e.kind == "state"), None)
    state = str(first.data.get("from")) if first is not None else "unknown"
    segments: list[Segment] = []
    t0, off_until = since, -1.0
    for t, order, new in _marks(events, offs):
        if order == 1 and t < off_until:
            continue  # an event inside an off-time cannot be: the off-time wins
        if t > t0:
            segments.append(Segment(t0, t, state))
        t0, state = max(t0, t), new
        if order == 0:
            off_until = next(b for a, b in offs if a == t)
    if until > t0:
        segments.append(Segment(t0, until, state))
    return _merge(segments)


def _marks(events: list[Ev], offs: list[tuple[float, float]]) -> list[tuple[float, int, str]]:
    """Every change in time order: (t, order, new state); at one instant an off-time's start
    (0) sorts before a state event (1), which sorts before the end of an off-time (2)."""
    marks = [(e.t, 1, str(e.data.get("to"))) for e in events if e.kind == "state"]
    for a, b in offs:
        marks += [(a, 0, OFF), (b, 2, "idle")]
    return sorted(marks)


def _merge(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for seg in segments:
        if out and out[-1].state == seg.state and out[-1].end == seg.start:
            out[-1] = Segment(out[-1].start, seg.end, seg.state)
        else:
            out.append(seg)
    return out


def seconds_by_state(segments: list[Segment]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for seg in segments:
        totals[seg.state] = totals.get(seg.state, 0.0) + seg.end - seg.start
    return dict(sorted(totals.items()))


def availability(totals: dict[str, float]) -> float | None:
    """running / planned, planned = every state but off, idle, disabled (OEE availability)."""
    planned = sum(v for k, v in totals.items() if k not in NOT_PLANNED)
    return totals.get("running", 0.0) / planned if planned else None
