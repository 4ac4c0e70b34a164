"""Backup of a live WAL database and the data files; restore checks, refuses, and swaps."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from app.ops.backup import build_backup
from app.ops.datalock import DataDirBusy, DataDirLock, is_busy
from app.ops.restore import RestoreError, integrity, restore
from app.storage import db


def live_data_dir(path: Path) -> sqlite3.Connection:
    """A data dir as a running process leaves it: WAL database with an open writer, JSON files."""
    path.mkdir(parents=True)
    conn = db.connect(db.db_path(path))
    conn.execute("PRAGMA wal_autocheckpoint=0")  # committed rows stay in the -wal file
    conn.execute("BEGIN")
    ids = db.series_ids(conn, ["barrel.t"], create=True)
    conn.executemany(
        "INSERT INTO samples (series, t, v) VALUES (?, ?, ?)",
        [(ids["barrel.t"], float(t), 20.0 + t) for t in range(500)],
    )
    conn.execute("INSERT INTO events (t, kind, data) VALUES (1, 'state', '{}')")
    conn.execute("COMMIT")
    (path / "settings.json").write_text('{"zones": {"barrel": {"setpoint_c": 205}}}')
    (path / "tokens.json").write_text('{"tokens": []}')
    (path / "users.json").write_text('{"users": []}')
    (path / "kivy" / "logs").mkdir(parents=True)
    (path / "kivy" / "logs" / "kivy_1.txt").write_text("noise")
    (path / "kivy" / "config.ini").write_text("[kivy]\n")
    return conn


def test_backup_of_a_live_wal_database_has_every_committed_row(tmp_path: Path) -> None:
    data = tmp_path / "data"
    writer = live_data_dir(data)
    assert (data / "history.sqlite3-wal").stat().st_size > 0  # rows not yet in the main file
    config = tmp_path / "config.yaml"
    config.write_text("machine: {}\n")
    manifest = build_backup(data, tmp_path / "b.tar.gz", config, "0.1.0+gabc", None)
    writer.close()
    assert manifest["rows"] == {"series": 1, "samples": 500, "events": 1}
    assert manifest["release"] == "0.1.0+gabc"
    names = set(manifest["files"])
    assert {"data/history.sqlite3", "data/settings.json", "data/tokens.json"} <= names
    assert "config/config.yaml" in names and "data/kivy/config.ini" in names
    assert not any(n.endswith(("-wal", "-shm", "kivy_1.txt", ".lock")) for n in names)
    assert (tmp_path / "b.tar.gz").stat().st_mode & 0o077 == 0  # holds PIN and token hashes


def test_restore_into_an_empty_dir_gives_the_same_rows(tmp_path: Path) -> None:
    live_data_dir(tmp_path / "data").close()
    build_backup(tmp_path / "data", tmp_path / "b.tar.gz", None, None, None)
    target = tmp_path / "spare" / "data"
    target.mkdir(parents=True)
    restore(tmp_path / "b.tar.gz", target, tmp_path / "etc" / "config.yaml")
    restored = target / "history.sqlite3"
    assert integrity(restored) == "ok"
    conn = sqlite3.connect(restored)
    assert conn.execute("SELECT count(*) FROM samples").fetchone()[0] == 500
    conn.close()
    assert (
        json.loads((target / "settings.json").read_text())["zones"]["barrel"]["setpoint_c"] == 205
    )


def test_restore_refuses_while_a_process_owns_the_data_dir(tmp_path: Path) -> None:
    live_data_dir(tmp_path / "data").close()
    build_backup(tmp_path / "data", tmp_path / "b.tar.gz", None, None, None)
    target = tmp_path / "target"
    target.mkdir()
    (target / "settings.json").write_text("{}")
    lock = DataDirLock(target).acquire()
    try:
        assert is_busy(target)
        with pytest.raises(RestoreError, match="stop the service"):
            restore(tmp_path / "b.tar.gz", target)
    finally:
        lock.release()
    assert (target / "settings.json").read_text() == "{}"
    assert not is_busy(target)


def test_a_tampered_backup_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    live_data_dir(tmp_path / "data").close()
    good = tmp_path / "b.tar.gz"
    build_backup(tmp_path / "data", good, None, None, None)
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(good) as src, tarfile.open(bad, "w:gz") as dst:
        for member in src.getmembers():
            handle = src.extractfile(member)
            data = handle.read() if handle else b""
            if member.name == "data/settings.json":
                data = data.replace(b"205", b"999")
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    target = tmp_path / "target"
    target.mkdir()
    with pytest.raises(RestoreError, match=r"checksum mismatch: data/settings\.json"):
        restore(bad, target)
    assert list(target.iterdir()) == []


def test_a_second_run_on_the_same_data_dir_refuses_to_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    lock = DataDirLock(data).acquire()
    try:
        with pytest.raises(DataDirBusy):
            DataDirLock(data).acquire()
        cmd = [sys.executable, "-m", "app.cli", "run", "--sim", "--headless", "--no-api"]
        cmd += ["--data-dir", str(data), "--duration-s", "0.5"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    finally:
        lock.release()
    assert done.returncode == 2
    assert "in use by pid" in done.stderr
