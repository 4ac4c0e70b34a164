"""Historian: never blocks the loop, counts what it drops, survives kill -9, keeps retention."""

from __future__ import annotations

import itertools
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from app.machine import build_machine
from app.storage import db
from app.storage.historian import delete_older_than
from app.storage.wiring import build_storage
from tests.support import ROOT, config_with


def test_overflow_drops_and_counts_samples_raises_a_warning_and_control_goes_on(
    tmp_path: Path,
) -> None:
    cfg = config_with(**{"storage.queue_max": 10})
    storage = build_storage(cfg, tmp_path, start=False)  # writer not running: the queue fills
    machine = build_machine(cfg, "sim", virtual=True, data_dir=tmp_path, sinks=storage.sinks())
    try:
        storage.attach(machine)
        assert machine.virtual is not None
        machine.virtual.run_for(30)  # 600 ticks, 30 samples: the loop never waited
        assert machine.core.snapshot.loop.ticks >= 600
        assert storage.historian is not None
        dropped = storage.historian.stats.dropped_overflow
        assert dropped >= 20
        storage.historian.start()
        assert storage.historian.flush()
        machine.virtual.step(2)  # applied next tick, seen by safety the tick after
        alarms = {a.code: a for a in machine.core.snapshot.alarms}
        assert alarms["historian_overflow"].severity == "warning"
        assert machine.core.snapshot.state == "idle"
    finally:
        storage.close()
        machine.close()


def test_a_full_disk_drops_samples_then_recording_resumes(tmp_path: Path) -> None:
    cfg = config_with()
    storage = build_storage(cfg, tmp_path)
    machine = build_machine(cfg, "sim", virtual=True, data_dir=tmp_path, sinks=storage.sinks())
    assert machine.virtual is not None and storage.historian is not None and machine.sim
    try:
        storage.attach(machine)
        machine.virtual.run_for(5)
        storage.historian.flush()
        fault = machine.sim.faults.inject("disk_full")
        storage.historian.flush()
        machine.virtual.run_for(5)
        storage.historian.flush()
        machine.virtual.step(2)  # applied next tick, seen by safety the tick after
        assert any(a.code == "disk_full" for a in machine.core.snapshot.alarms)
        machine.sim.faults.clear(fault)
        machine.virtual.run_for(5)
        storage.historian.flush()
        machine.virtual.step(2)  # applied next tick, seen by safety the tick after
        assert storage.historian.stats.dropped_disk_full >= 5
        gone = [a for a in machine.core.snapshot.alarms if a.code == "disk_full"]
        assert all(a.cleared_at for a in gone)
    finally:
        storage.close()
        machine.close()
    times = _sample_times(tmp_path / db.DB_FILE)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) >= 5  # the full-disk seconds are missing ...
    assert times[-1] - times[0] >= 14  # ... and recording went on afterwards


def _sample_times(path: Path) -> list[float]:
    conn = sqlite3.connect(path)
    try:
        return [t for (t,) in conn.execute("SELECT DISTINCT t FROM samples ORDER BY t")]
    finally:
        conn.close()


def test_a_corrupt_database_is_set_aside_and_a_new_one_started(tmp_path: Path) -> None:
    (tmp_path / db.DB_FILE).write_bytes(b"this is not sqlite" * 100)
    storage = build_storage(config_with(), tmp_path)
    try:
        assert storage.historian is not None and storage.historian.alive
        assert list(tmp_path.glob(f"{db.DB_FILE}.corrupt-*"))
    finally:
        storage.close()


def test_retention_removes_only_old_rows(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / db.DB_FILE)
    ids = db.series_ids(conn, ["barrel.duty"], create=True)
    conn.executemany(
        "INSERT INTO samples (series, t, v) VALUES (?, ?, 0.5)",
        [(ids["barrel.duty"], t) for t in (100.0, 200.0, 300.0)],
    )
    conn.execute("INSERT INTO events (t, kind, data) VALUES (150.0, 'audit', '{}')")
    assert delete_older_than(conn, 250.0) == 3
    assert [t for (t,) in conn.execute("SELECT t FROM samples")] == [300.0]
    conn.close()
    assert build_storage(config_with(**{"storage.retention_days": 2}), tmp_path, start=False)\
        .historian.retention_s == 2 * 86400  # type: ignore[union-attr]  # fmt: skip


def test_kill_9_leaves_a_sound_database_missing_at_most_the_last_seconds(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "run", "--sim", "--headless", "--no-api",
         "--data-dir", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    path = tmp_path / db.DB_FILE
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _count(path) < 4:
            time.sleep(0.1)
        time.sleep(1.0)  # the writer is mid-stream, committing every half second
    finally:
        killed_at = time.time()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        newest, count = conn.execute("SELECT MAX(t), COUNT(DISTINCT t) FROM samples").fetchone()
    finally:
        conn.close()
    assert count >= 4
    assert killed_at - newest < 3.0, f"lost {killed_at - newest:.1f} s of samples"


def _count(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        conn = sqlite3.connect(path, timeout=1)
        try:
            return int(conn.execute("SELECT COUNT(DISTINCT t) FROM samples").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0
