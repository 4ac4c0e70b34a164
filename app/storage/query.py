"""Reading the historian: bucketed series, CSV rendering and the event/audit log."""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from app.services.logsetup import log
from app.storage import db
from app.storage.samples import is_boolean_series
from app.storage.timeparse import iso

MAX_POINTS = 100_000  # per series and query
RECOVER_WAIT_S = 30.0  # a page check of a large database on an SD card takes a while
Point = list[float | None]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """Which series (all when empty), the half-open range [since, until) and the bucket width."""

    series: tuple[str, ...]
    since: float
    until: float
    step_s: float = 1.0

    @property
    def buckets(self) -> int:
        return max(0, math.ceil(self.until / self.step_s) - math.floor(self.since / self.step_s))


def _connect(path: Path) -> sqlite3.Connection:
    return db.connect(path, create=False)


def known_series(path: Path) -> list[str]:
    """Every series name the historian has ever stored."""
    if not path.exists():
        return []
    conn = _connect(path)
    try:
        return [name for (name,) in conn.execute("SELECT name FROM series ORDER BY id")]
    finally:
        conn.close()


def read_series(path: Path, query: HistoryQuery) -> dict[str, list[Point]]:
    """{name: [[t, value], ...]}: one point per non-empty bucket of `step_s`, t = bucket start."""
    out: dict[str, list[Point]] = {name: [] for name in query.series}
    if not path.exists() or not query.series:
        return out
    conn = _connect(path)
    try:
        ids = db.series_ids(conn, list(query.series), create=False)
        for name, sid in ids.items():
            out[name] = _bucketed(conn, sid, is_boolean_series(name), query)
    finally:
        conn.close()
    return out


def _bucketed(conn: sqlite3.Connection, sid: int, boolean: bool, q: HistoryQuery) -> list[Point]:
    agg = "MAX(v)" if boolean else "AVG(v)"
    rows = conn.execute(
        f"SELECT CAST(t / ? AS INTEGER) AS b, {agg} FROM samples "
        "WHERE series = ? AND t >= ? AND t < ? GROUP BY b ORDER BY b",
        (q.step_s, sid, q.since, q.until),
    )
    return [[_round(b * q.step_s, 3), _round(v, 4)] for b, v in rows]


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def to_csv(series: dict[str, list[Point]], query: HistoryQuery) -> str:
    """A header `timestamp,<series…>`, then one row per bucket (ISO 8601 UTC), blanks for gaps."""
    names = list(series)
    by_t: dict[float | None, dict[str, Any]] = {}
    for name, points in series.items():
        for t, v in points:
            by_t.setdefault(t, {})[name] = v
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["timestamp", *names])
    first = math.floor(query.since / query.step_s)
    for k in range(query.buckets):
        t = round((first + k) * query.step_s, 3)
        row = by_t.get(t, {})
        writer.writerow([iso(t), *(_cell(row.get(name)) for name in names)])
    return buf.getvalue()


def _cell(value: Any) -> str:
    return "" if value is None else f"{value:g}"


def read_events(
    path: Path,
    kinds: Iterable[str],
    since: float | None = None,
    until: float | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Events of the given kinds, newest first, each `{id, t, timestamp, kind, **data}`."""
    if not path.exists():
        return []
    kinds = list(kinds)
    marks = ",".join("?" * len(kinds))
    sql = f"SELECT id, t, kind, data FROM events WHERE kind IN ({marks}) AND t >= ? AND t < ?"
    args: list[Any] = [*kinds, since if since is not None else 0.0, until or 1e12]
    conn = _connect(path)
    try:
        rows = conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
    finally:
        conn.close()
    return [_event(*row) for row in rows]


def _event(event_id: int, t: float, kind: str, data: str) -> dict[str, Any]:
    try:
        body = json.loads(data)
    except ValueError:
        body = {"raw": data}
    head = {"id": event_id, "t": t, "timestamp": iso(t), "kind": kind}
    return head | {k: v for k, v in body.items() if k not in head}


def guarded(historian: Any | None, read: Callable[[], T]) -> T:
    """Run `read`; when it finds the database damaged, have the writer check and replace it
    (the alarm and the renamed file come from there), then read the new one. Any other SQLite
    failure is StorageUnavailable (503), never a 500."""
    from control.errors import StorageUnavailable

    try:
        return read()
    except sqlite3.DatabaseError as err:
        if not db.is_corrupt(err) or historian is None:
            log("history_read_failed", "warning", error=str(err))
            raise StorageUnavailable(f"the history database could not be read: {err}") from err
        log("history_read_corrupt", "warning", error=str(err))
        historian.flush(RECOVER_WAIT_S, check=True)
    try:
        return read()
    except sqlite3.Error as err:
        log("history_read_failed", "warning", error=str(err))
        raise StorageUnavailable(f"the history database could not be read: {err}") from err
