"""Where the Trends screen reads history: a `HistorySource` (historian, or an in-memory ring)."""

from __future__ import annotations

import bisect
import threading
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from control.core import Event
from control.snapshot import Snapshot

Points = list[tuple[float, float]]
RING_S = 8 * 3600 + 600  # the longest trend range plus some panning room


@dataclass(frozen=True, slots=True)
class TrendEvent:
    """A marker on the trend: `kind` is alarm | state | setpoint; `severity` for alarms."""

    t: float
    kind: str
    text: str
    severity: str = ""


class HistorySource(Protocol):
    """Blocking reads; the UI calls them from its worker thread, never the Kivy thread."""

    def series(
        self, names: list[str], since_s: float, until_s: float, step_s: float
    ) -> dict[str, Points]: ...

    def events(self, since_s: float, until_s: float) -> list[TrendEvent]: ...


def event_marker(kind: str, t: float, data: dict[str, Any]) -> TrendEvent | None:
    """Turn a core/historian event into a trend marker (None for events not shown)."""
    if kind == "state":
        return TrendEvent(t, "state", f"{data.get('from')} › {data.get('to')}")
    if kind == "alarm":
        alarm = data.get("alarm", {})
        if data.get("action") != "raised":
            return None
        return TrendEvent(t, "alarm", str(alarm.get("message", "")), str(alarm.get("severity")))
    if kind == "audit" and data.get("action") == "SetSetpoint" and data.get("result") == "applied":
        args = data.get("args", {})
        return TrendEvent(t, "setpoint", f"{args.get('zone')} {args.get('setpoint_c'):g} °C")
    return None


class _Ring:
    """Times and values of one series in compact arrays, trimmed to the last RING_S seconds."""

    def __init__(self) -> None:
        self.t = array("d")
        self.v = array("d")

    def add(self, t: float, v: float) -> None:
        self.t.append(t)
        self.v.append(v)
        if self.t[0] < t - RING_S - 600:  # trim in chunks, not every sample
            cut = bisect.bisect_left(self.t, t - RING_S)
            del self.t[:cut]
            del self.v[:cut]

    def bucketed(self, since: float, until: float, step: float) -> Points:
        lo, hi = bisect.bisect_left(self.t, since), bisect.bisect_left(self.t, until)
        out: Points = []
        bucket, total, count = None, 0.0, 0
        for i in range(lo, hi):
            b = int(self.t[i] // step)
            if b != bucket and count:
                out.append((bucket * step, total / count))  # type: ignore[operator]
                total, count = 0.0, 0
            bucket = b
            total += self.v[i]
            count += 1
        if count and bucket is not None:
            out.append((bucket * step, total / count))
        return out


class RingHistory:
    """In-memory history fed by the core's sinks: used when no historian is attached."""

    def __init__(self) -> None:
        self._rings: dict[str, _Ring] = {}
        self._events: list[TrendEvent] = []
        self._lock = threading.Lock()

    @classmethod
    def attach(cls, core: Any) -> RingHistory:
        ring = cls()
        core.sinks.on_sample.append(ring.put_sample)
        core.sinks.on_event.append(ring.put_event)
        return ring

    def put_sample(self, snap: Snapshot) -> None:
        values = [(f"{z.id}.temperature_c", z.temperature_c) for z in snap.zones]
        values += [(f"{z.id}.setpoint_c", z.setpoint_c) for z in snap.zones]
        values += [(f"{z.id}.duty", z.duty) for z in snap.zones]
        values += [(f"{s.id}.temperature_c", s.temperature_c) for s in snap.sensors]
        values += [(f"{m.id}.rpm", m.rpm) for m in snap.motors]
        with self._lock:
            for name, value in values:
                if value is not None:
                    self._rings.setdefault(name, _Ring()).add(snap.wall_s, float(value))

    def put_event(self, event: Event) -> None:
        marker = event_marker(event.kind, event.wall_s, event.data)
        if marker is not None:
            with self._lock:
                self._events.append(marker)
                del self._events[:-2000]

    def series(
        self, names: list[str], since_s: float, until_s: float, step_s: float
    ) -> dict[str, Points]:
        with self._lock:
            return {
                n: self._rings[n].bucketed(since_s, until_s, step_s) if n in self._rings else []
                for n in names
            }

    def events(self, since_s: float, until_s: float) -> list[TrendEvent]:
        with self._lock:
            return [e for e in self._events if since_s <= e.t < until_s]


class HistorianHistory:
    """Reads the SQLite historian of app/storage (its query functions open their own connection)."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path

    def series(
        self, names: list[str], since_s: float, until_s: float, step_s: float
    ) -> dict[str, Points]:
        from app.storage.query import HistoryQuery, read_series

        raw = read_series(self.db_path, HistoryQuery(tuple(names), since_s, until_s, step_s))
        return {
            name: [(float(t), float(v)) for t, v in points if t is not None and v is not None]
            for name, points in raw.items()
        }

    def events(self, since_s: float, until_s: float) -> list[TrendEvent]:
        from app.storage.query import read_events

        rows = read_events(self.db_path, ("alarm", "state", "audit"), since_s, until_s, 500)
        markers = (event_marker(r["kind"], r["t"], r) for r in reversed(rows))
        return [m for m in markers if m is not None]


def storage_history(storage: Any | None) -> HistorySource | None:
    """The historian of an attached `app.storage` Storage, if it has one."""
    if storage is None or getattr(storage, "historian", None) is None:
        return None
    return HistorianHistory(storage.db_path)
