"""The historian writer: a bounded queue from the control thread, batched SQLite writes."""

from __future__ import annotations

import contextlib
import json
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.services.logsetup import log
from app.storage import db
from app.storage.samples import sample_values
from control.core import CoreSinks, Event
from control.snapshot import Snapshot

BATCH_MAX = 5000
IDLE_S = 0.5  # wall seconds the writer waits for work before housekeeping
GATHER_S = 0.1  # after the first item, gather this long, then commit: the crash-loss window
OVERFLOW_CLEAR_S = 10.0  # wall seconds without drops before the overflow warning clears
CORRUPT_CLEAR_S = 60.0  # wall seconds of a working new database before that warning clears
RETENTION_EVERY_S = 3600.0


@dataclass
class HistorianStats:
    """Counters the writer keeps; read by /health and /metrics from other threads."""

    rows_written: int = 0
    events_written: int = 0
    dropped_overflow: int = 0
    dropped_disk_full: int = 0
    dropped_error: int = 0
    write_failures: int = 0  # commits that failed (disk full, I/O error), whatever their size
    disk_full: bool = False
    last_error: str | None = None
    last_commit_mono: float | None = None  # monotonic: a wall-clock step must not age it
    conditions: dict[str, str] = field(default_factory=dict)  # code → message, while present
    set_aside: list[str] = field(default_factory=list)  # damaged databases renamed this run

    @property
    def dropped_total(self) -> int:
        return self.dropped_overflow + self.dropped_disk_full + self.dropped_error


class _Flush:
    """A marker put on the queue: set once everything queued before it is committed."""

    def __init__(self, last: bool = False, check: bool = False) -> None:
        self.done = threading.Event()
        self.last = last  # the writer stops after this one
        self.check = check  # the writer checks the database and replaces it if it is damaged


Reporter = Callable[[str, bool, str], None]


class Historian:
    """Owns the SQLite connection in its own thread. Producers never block: a full queue drops."""

    def __init__(
        self,
        path: Path,
        queue_max: int,
        retention_s: float,
        monotonic: Callable[[], float] = time.monotonic,
        check_at_start: bool = True,
    ) -> None:
        self.path = path
        self._check_at_start = check_at_start
        self._monotonic = monotonic
        self.retention_s = retention_s
        self.stats = HistorianStats()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_max)
        self._stop = threading.Event()
        self._disk_full_probe: Callable[[], bool] = lambda: False
        self._report: Reporter = lambda code, present, message: None
        self._conn = db.connect(path)
        self._series: dict[str, int] = {}
        self._last_drop_wall = 0.0
        self._corrupt_since = 0.0
        self._seen_overflow = 0
        self._last_retention = 0.0
        self._latest_t = 0.0
        self._thread = threading.Thread(target=self._run, name="historian", daemon=True)

    # -- producers (any thread; never block) ----------------------------------------------------
    def sinks(self) -> CoreSinks:
        return CoreSinks(on_event=[self.put_event], on_sample=[self.put_sample])

    def put_sample(self, snap: Snapshot) -> None:
        self._offer(snap)

    def put_event(self, event: Event) -> None:
        self._offer(event)

    def record(self, kind: str, wall_s: float, data: dict[str, Any]) -> None:
        """An event from outside the core (REST logins, auth failures)."""
        self._offer(Event(kind, wall_s, data))

    def _offer(self, item: Snapshot | Event) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.stats.dropped_overflow += 1

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def attach(self, disk_full_probe: Callable[[], bool] | None, report: Reporter) -> None:
        """Connect to the machine: a simulated disk-full flag and a way to raise warnings."""
        if disk_full_probe is not None:
            self._disk_full_probe = disk_full_probe
        self._report = report

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def commit_age_s(self) -> float | None:
        """Seconds since the last commit on the monotonic clock (None before the first one)."""
        last = self.stats.last_commit_mono
        return None if last is None else self._monotonic() - last

    @property
    def queue_depth(self) -> int:
        return self._queue.qsize()

    @property
    def queue_max(self) -> int:
        return self._queue.maxsize

    def flush(self, timeout_s: float = 5.0, last: bool = False, check: bool = False) -> bool:
        """Block until everything queued so far is committed (or dropped). For tests and exit.
        `check`: a reader saw a damaged database; the writer checks it and replaces it if so."""
        if not self.alive:
            return False
        marker = _Flush(last, check)
        try:
            self._queue.put(marker, timeout=timeout_s)
        except queue.Full:
            return False
        return marker.done.wait(timeout_s)

    def close(self) -> None:
        if self.alive:
            self.flush(last=True)  # the writer commits what is queued, then returns
            self._stop.set()
            self._thread.join(5.0)
        self._conn.close()

    # -- the writer thread ----------------------------------------------------------------------
    def _run(self) -> None:
        if self._check_at_start:
            self._check_database()
        while not self._stop.is_set():
            batch = self._take_batch()
            markers = [item for item in batch if isinstance(item, _Flush)]
            data = [item for item in batch if not isinstance(item, _Flush)]
            if data:
                self._write(data)
            if any(marker.check for marker in markers):
                self._check_database()
            self._watch_overflow()
            self._watch_corrupt()
            self._maybe_retain()
            for marker in markers:
                marker.done.set()
            if any(marker.last for marker in markers):
                return

    def _take_batch(self) -> list[Any]:
        """The next item and whatever follows it within GATHER_S. Samples come once a second, so
        waiting longer would not batch more; it would only widen what a kill -9 loses."""
        try:
            first = self._queue.get(timeout=IDLE_S)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + GATHER_S
        while len(batch) < BATCH_MAX and not isinstance(batch[-1], _Flush):
            try:
                batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def _write(self, items: list[Snapshot | Event]) -> None:
        n_samples = sum(isinstance(i, Snapshot) for i in items)
        n_events = len(items) - n_samples
        if self._disk_full_probe():
            self._dropped_full(items, "disk full (simulated)")
            return
        try:
            rows = self._insert_or_replace_db(items)
        except sqlite3.Error as err:
            self._rollback()
            if db.is_disk_full(err):
                self._dropped_full(items, str(err))
            else:
                self.stats.dropped_error += len(items)
                self.stats.write_failures += 1
                self.stats.last_error = f"{type(err).__name__}: {err}"
                self._condition("historian_error", True, f"historian write failed: {err}")
            return
        self.stats.rows_written += rows
        self.stats.events_written += n_events
        self.stats.last_commit_mono = self._monotonic()
        self.stats.last_error = None
        self._condition("disk_full", False, "")
        self._condition("historian_error", False, "")
        self.stats.disk_full = False

    def _insert_or_replace_db(self, items: list[Snapshot | Event]) -> int:
        """Insert; when the database turns out damaged, set it aside and write to a new one."""
        try:
            return self._insert(items)
        except sqlite3.DatabaseError as err:
            if not db.is_corrupt(err):
                raise
            self._rollback()
            self._replace_database(err)
            return self._insert(items)

    def _check_database(self) -> None:
        """A full page check (start-up, or a reader saw damage); a damaged file is replaced."""
        try:
            db.check(self.path)
        except (sqlite3.Error, OSError) as err:
            if not db.is_corrupt(err):
                self.stats.last_error = f"check: {err}"
                return
            assert isinstance(err, sqlite3.DatabaseError)
            try:
                self._replace_database(err)
            except (sqlite3.Error, OSError) as again:
                self.stats.last_error = f"could not replace the damaged database: {again}"
                self._condition("historian_error", True, self.stats.last_error)

    def _replace_database(self, err: sqlite3.DatabaseError) -> None:
        """Close the damaged file, rename it aside for an engineer, start an empty one."""
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        aside = db.set_aside(self.path)
        self._conn = db.connect(self.path)
        self._series = {}
        self.replaced(aside, err)

    def replaced(self, aside: Path, err: BaseException) -> None:
        """Note that a damaged database was set aside as `aside`: log it and raise the warning."""
        self.stats.set_aside.append(aside.name)
        self._corrupt_since = self._monotonic()
        message = f"History database damaged ({err}); kept as {aside.name}, a new one started"
        log("historian_corrupt", "warning", path=str(self.path), kept_as=aside.name, error=str(err))
        self._condition("historian_corrupt", True, message)

    def _watch_corrupt(self) -> None:
        """The warning stays while the new database is young, then clears once writes work."""
        young = self._monotonic() - self._corrupt_since < CORRUPT_CLEAR_S
        if not young and self.stats.last_error is None:
            self._condition("historian_corrupt", False, "")

    def _insert(self, items: list[Snapshot | Event]) -> int:
        conn = self._conn
        conn.execute("BEGIN")
        rows = 0
        for item in items:
            if isinstance(item, Snapshot):
                rows += self._insert_sample(item)
            else:
                conn.execute(
                    "INSERT INTO events (t, kind, data) VALUES (?, ?, ?)",
                    (item.wall_s, item.kind, json.dumps(item.data, default=str)),
                )
        conn.execute("COMMIT")
        return rows

    def _insert_sample(self, snap: Snapshot) -> int:
        values = sample_values(snap)
        missing = [name for name, _ in values if name not in self._series]
        if missing:
            self._series.update(db.series_ids(self._conn, missing, create=True))
        t = round(snap.wall_s, 3)
        self._latest_t = max(self._latest_t, t)
        self._conn.executemany(
            "INSERT OR REPLACE INTO samples (series, t, v) VALUES (?, ?, ?)",
            [(self._series[name], t, value) for name, value in values],
        )
        return len(values)

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")
        self._series = {}  # ids added in the failed transaction are gone

    def _dropped_full(self, items: list[Any], why: str) -> None:
        self.stats.dropped_disk_full += len(items)
        self.stats.write_failures += 1
        self.stats.disk_full = True
        self.stats.last_error = why
        self._condition("disk_full", True, "Disk full: history samples and events are dropped")

    def _watch_overflow(self) -> None:
        now = self._monotonic()
        dropped = self.stats.dropped_overflow
        if dropped != self._seen_overflow:
            self._seen_overflow = dropped
            self._last_drop_wall = now
            self._condition(
                "historian_overflow", True, "Historian queue overflow: samples are dropped"
            )
        elif now - self._last_drop_wall > OVERFLOW_CLEAR_S:
            self._condition("historian_overflow", False, "")

    def _condition(self, code: str, present: bool, message: str) -> None:
        """Raise or clear a warning once per change (not once per batch)."""
        if present == (code in self.stats.conditions):
            return
        if present:
            self.stats.conditions[code] = message
        else:
            self.stats.conditions.pop(code, None)
        self._report(code, present, message)

    def _maybe_retain(self) -> None:
        now = time.monotonic()
        if now - self._last_retention < RETENTION_EVERY_S or self._latest_t == 0.0:
            return
        self._last_retention = now
        try:
            delete_older_than(self._conn, self._latest_t - self.retention_s)
        except sqlite3.Error as err:
            self.stats.last_error = f"retention: {err}"


def delete_older_than(conn: sqlite3.Connection, cutoff_t: float) -> int:
    """Drop samples and events before `cutoff_t` (Unix seconds); returns rows removed."""
    removed = 0
    conn.execute("BEGIN")
    for (sid,) in conn.execute("SELECT id FROM series").fetchall():
        cur = conn.execute("DELETE FROM samples WHERE series = ? AND t < ?", (sid, cutoff_t))
        removed += cur.rowcount
    removed += conn.execute("DELETE FROM events WHERE t < ?", (cutoff_t,)).rowcount
    conn.execute("COMMIT")
    return removed
