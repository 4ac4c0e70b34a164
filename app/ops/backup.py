"""`tvemicro backup`: a consistent copy of a live data dir (SQLite via its backup API), manifest."""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import socket
import sqlite3
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from app.ops.datalock import LOCK_FILE
from app.services.backlight import BACKLIGHT_MEMO
from app.storage.db import DB_FILE

FORMAT = 1
MANIFEST = "manifest.json"
# never copied file by file: the database goes through the backup API; these are its side files
SKIP_SUFFIXES = ("-wal", "-shm", "-journal", ".tmp")
SKIP_NAMES = {LOCK_FILE, DB_FILE, BACKLIGHT_MEMO}
SKIP_DIRS = {"logs"}  # Kivy's own log files under kivy/


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def copy_database(src: Path, dest: Path) -> dict[str, int]:
    """Online copy through sqlite3's backup API (readers and the writer keep going); row counts."""
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=10.0)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
        counts = {
            table: int(target.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for (table,) in target.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()
    return counts


def schema_of(db: Path) -> str:
    """A fingerprint of the database schema (tables, indexes), to see whether it changed."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        return sha256_bytes(json.dumps(list(rows)).encode())
    finally:
        conn.close()


def data_files(data_dir: Path) -> list[Path]:
    """Settings, alarms, users, tokens (hashed), UI state...: every file but the database."""
    found = []
    for path in sorted(data_dir.rglob("*")):
        rel = path.relative_to(data_dir)
        if not path.is_file() or path.is_symlink() or SKIP_DIRS & set(rel.parts[:-1]):
            continue
        if rel.name in SKIP_NAMES or rel.name.endswith(SKIP_SUFFIXES):
            continue
        found.append(path)
    return found


def build_backup(
    data_dir: Path, out: Path, config: Path | None, release: str | None, boot: Path | None
) -> dict[str, Any]:
    """Write the backup tar to `out` (via a temp file, renamed when complete); its manifest."""
    members: dict[str, bytes] = {}
    rows: dict[str, int] = {}
    db = data_dir / DB_FILE
    if db.exists():
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / DB_FILE
            rows = copy_database(db, copy)
            members[f"data/{DB_FILE}"] = copy.read_bytes()
    for path in data_files(data_dir):
        members[f"data/{path.relative_to(data_dir).as_posix()}"] = path.read_bytes()
    if config is not None and config.exists():
        members["config/config.yaml"] = config.read_bytes()
    for name in ("config.txt", "cmdline.txt"):
        if boot is not None and (boot / name).exists():
            members[f"boot/{name}"] = (boot / name).read_bytes()
    manifest = {
        "format": FORMAT,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": socket.gethostname(),
        "release": release,
        "rows": rows,
        "files": {name: sha256_bytes(data) for name, data in sorted(members.items())},
    }
    _write_tar(out, {MANIFEST: json.dumps(manifest, indent=1).encode(), **members})
    return manifest


def _write_tar(out: Path, members: dict[str, bytes]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    with tarfile.open(tmp, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(time.time())
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
    tmp.chmod(0o600)  # users.json holds PIN hashes, tokens.json token hashes
    tmp.replace(out)


def backup_command(args: argparse.Namespace) -> int:
    from app.ops.layout import Layout

    layout = Layout.from_args(args)
    data_dir = Path(args.data_dir) if args.data_dir else layout.data
    if not data_dir.is_dir():
        print(f"backup: no data directory at {data_dir}")
        return 2
    config = Path(args.config) if args.config else layout.config
    start = time.monotonic()
    manifest = build_backup(data_dir, Path(args.out), config, layout.current_id(), layout.boot)
    took = time.monotonic() - start
    rows = ", ".join(f"{k} {v}" for k, v in manifest["rows"].items()) or "no database"
    print(f"backup: {args.out}: {len(manifest['files'])} files ({rows}) in {took:.1f} s")
    return 0
