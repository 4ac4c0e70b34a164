"""What the KPI report reads: historian events and sample times (read-only), and the roster."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Ev:
    """One historian event: wall time (Unix s), kind (state/alarm/audit/login), its data."""

    t: float
    kind: str
    data: dict[str, Any]


def _connect(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise FileNotFoundError(f"no historian database at {path}")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)


def read_events(path: Path, since: float, until: float) -> list[Ev]:
    """Events with since ≤ t < until, oldest first."""
    conn = _connect(path)
    try:
        rows = conn.execute(
            "SELECT t, kind, data FROM events WHERE t >= ? AND t < ? ORDER BY t, id",
            (since, until),
        ).fetchall()
    finally:
        conn.close()
    out = []
    for t, kind, data in rows:
        try:
            parsed = json.loads(data)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            out.append(Ev(float(t), str(kind), parsed))
    return out


def read_sample_times(path: Path, since: float, until: float) -> list[float]:
    """The times at which the historian stored a sample (of its first series), oldest first:
    gaps show when the process was off or history was lost."""
    conn = _connect(path)
    try:
        first = conn.execute("SELECT min(id) FROM series").fetchone()[0]
        if first is None:
            return []
        rows = conn.execute(
            "SELECT t FROM samples WHERE series = ? AND t >= ? AND t < ? ORDER BY t",
            (first, since, until),
        ).fetchall()
    finally:
        conn.close()
    return [float(t) for (t,) in rows]


def read_roster(path: Path) -> list[str]:
    """User names from users.json (`{"users": [{"name": …}]}`) or a plain roster file (one name
    a line, `#` comments). Only names are read; PIN hashes never leave the file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
        users = data.get("users", []) if isinstance(data, dict) else []
        return sorted({str(u["name"]) for u in users if isinstance(u, dict) and "name" in u})
    names = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return sorted({name for name in names if name})
