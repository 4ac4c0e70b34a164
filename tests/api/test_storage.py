"""Historian: never blocks the loop, counts what it drops, survives kill -9, keeps retention."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

from app.services.health import health_report
from app.services.machine import build_machine
from app.storage import db
from app.storage.historian import delete_older_than
from app.storage.wiring import build_storage
from control.alarms import CLEAR_DELAY_S
from tests.api.killrun import describe, kill_once
from tests.support import CONFIG_PATH, config_with


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
        machine.virtual.run_for(CLEAR_DELAY_S + 0.1)  # the warning's off-delay (ISA-18.2)
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


def test_kill_9_leaves_a_sound_database_missing_at_most_half_a_second(tmp_path: Path) -> None:
    """DESIGN §12: history lost at kill -9 ≤ 0.5 s. Judged on the process's own clock: every
    sample it made more than 0.5 s before its last /health answer (read just before the kill) is
    in the database, i.e. the newest stored one is < one sample period + 0.5 s older."""
    result = kill_once(tmp_path, CONFIG_PATH, min_samples=4, extra_s=1.3)
    period_s = config_with().storage.history_period_s
    assert result.integrity == "ok"
    assert result.samples >= 4
    assert result.lost_s(period_s) <= 0.5, describe(result)


def test_sqlite_reporting_a_full_disk_is_an_alarm_and_degraded_health_then_recovers(
    tmp_path: Path,
) -> None:
    """A real SQLITE_FULL from the historian's own connection (its page limit reached), not the
    simulator's switch: samples are dropped and counted, a warning says so, /health is degraded,
    and writing resumes by itself when room comes back."""
    cfg = config_with()
    storage = build_storage(cfg, tmp_path)
    machine = build_machine(cfg, "sim", virtual=True, data_dir=tmp_path, sinks=storage.sinks())
    historian = storage.historian
    assert machine.virtual is not None and historian is not None
    try:
        storage.attach(machine)
        machine.virtual.run_for(3)
        assert historian.flush()
        pages = historian._conn.execute("PRAGMA page_count").fetchone()[0]
        historian._conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full now
        machine.virtual.run_for(20)
        assert historian.flush()
        machine.virtual.step(2)  # applied next tick, seen by safety the tick after
        assert historian.stats.dropped_disk_full >= 10
        assert any(a.code == "disk_full" for a in machine.core.snapshot.alarms)
        assert health_report(machine, cfg, storage)["status"] == "degraded"
        written = historian.stats.rows_written
        historian._conn.execute("PRAGMA max_page_count = 1073741823")  # room again
        machine.virtual.run_for(5)
        assert historian.flush()
        machine.virtual.run_for(CLEAR_DELAY_S + 0.2)  # the report, then the warning's off-delay
        assert historian.stats.rows_written > written
        assert all(a.cleared_at for a in machine.core.snapshot.alarms if a.code == "disk_full")
        assert health_report(machine, cfg, storage)["status"] == "ok"
    finally:
        storage.close()
        machine.close()
