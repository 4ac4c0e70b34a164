"""The historian database: schema, connection settings (WAL) and the series-name dictionary."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

DB_FILE = "history.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS samples (
    series INTEGER NOT NULL,
    t REAL NOT NULL,
    v REAL,
    PRIMARY KEY (series, t)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    t REAL NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_t ON events (t);
CREATE INDEX IF NOT EXISTS events_kind_t ON events (kind, t);
"""


def db_path(data_dir: Path) -> Path:
    return data_dir / DB_FILE


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open the historian in WAL mode. Commits survive a killed process (synchronous=NORMAL)."""
    if not create and not path.exists():
        raise FileNotFoundError(f"no historian database at {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=5000")
    if create:
        conn.executescript(SCHEMA)
    return conn


def series_ids(conn: sqlite3.Connection, names: list[str], create: bool) -> dict[str, int]:
    """Map series names to their ids, adding new names when `create` (inside a transaction)."""
    ids = {name: sid for sid, name in conn.execute("SELECT id, name FROM series")}
    if create:
        for name in names:
            if name not in ids:
                cur = conn.execute("INSERT INTO series (name) VALUES (?)", (name,))
                ids[name] = int(cur.lastrowid or 0)
    return {name: ids[name] for name in names if name in ids}


def is_disk_full(err: sqlite3.Error) -> bool:
    """SQLITE_FULL (13) or the OS saying there is no space left."""
    code = getattr(err, "sqlite_errorcode", None)
    return code == sqlite3.SQLITE_FULL or "disk is full" in str(err) or "No space" in str(err)


def is_corrupt(err: BaseException) -> bool:
    """SQLITE_CORRUPT (11) / SQLITE_NOTADB (26): the file is damaged, retrying will not help."""
    if not isinstance(err, sqlite3.DatabaseError):
        return False
    code = getattr(err, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return True
    text = str(err)
    return "malformed" in text or "not a database" in text


def check(path: Path) -> None:
    """Raise sqlite3.DatabaseError when `PRAGMA quick_check` finds a damaged page. Uses its own
    connection: the writer's page cache would hide damage done to the file underneath it."""
    conn = connect(path, create=False)
    try:
        problems = [str(row[0]) for row in conn.execute("PRAGMA quick_check(2)")]
    finally:
        conn.close()
    if problems != ["ok"]:
        first = next((p for p in problems[-1].splitlines() if "***" not in p), problems[-1])
        raise sqlite3.DatabaseError(f"database disk image is malformed ({first.strip()})")


def set_aside(path: Path) -> Path:
    """Rename a damaged database (and its WAL) to `<name>.corrupt-<unix>`; returns the new name.
    The WAL goes with it so the pair can still be opened for forensics; the -shm is rebuilt."""
    stamp = int(time.time())
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    os.replace(path, aside)
    wal = Path(str(path) + "-wal")
    if wal.exists():
        os.replace(wal, Path(str(aside) + "-wal"))
    Path(str(path) + "-shm").unlink(missing_ok=True)
    return aside
