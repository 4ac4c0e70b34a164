"""`tvemicro restore`: check a backup's manifest, then replace a data dir no process owns."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import tarfile
import time
from pathlib import Path, PurePosixPath
from typing import Any

from app.ops.backup import FORMAT, MANIFEST, sha256_bytes
from app.ops.datalock import DataDirBusy, DataDirLock
from app.storage.db import DB_FILE


class RestoreError(RuntimeError):
    """The backup is unusable or the data dir cannot be replaced; nothing was changed."""


def read_backup(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and every member, checked against the manifest's checksums."""
    try:
        with tarfile.open(path, "r:*") as tar:
            members = {m.name: _read(tar, m) for m in tar.getmembers() if m.isfile()}
    except (OSError, tarfile.TarError) as err:
        raise RestoreError(f"{path}: not a readable backup ({err})") from None
    if MANIFEST not in members:
        raise RestoreError(f"{path}: no {MANIFEST}")
    manifest = json.loads(members.pop(MANIFEST))
    if manifest.get("format") != FORMAT:
        raise RestoreError(f"{path}: backup format {manifest.get('format')}, expected {FORMAT}")
    files: dict[str, str] = manifest["files"]
    if set(files) != set(members):
        raise RestoreError(
            f"{path}: members differ from the manifest: {sorted(set(files) ^ set(members))}"
        )
    bad = [name for name, digest in files.items() if sha256_bytes(members[name]) != digest]
    if bad:
        raise RestoreError(f"{path}: checksum mismatch: {', '.join(bad)}")
    for name in members:
        parts = PurePosixPath(name).parts
        if PurePosixPath(name).is_absolute() or ".." in parts:
            raise RestoreError(f"{path}: unsafe member name {name!r}")
    return manifest, members


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    return b"" if handle is None else handle.read()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def restore(backup: Path, data_dir: Path, config_out: Path | None = None) -> dict[str, Any]:
    """Replace the data dir's contents with the backup's (the old ones kept aside); holds the
    data dir's lock throughout, so a service cannot start halfway."""
    manifest, members = read_backup(backup)
    try:
        lock = DataDirLock(data_dir).acquire()
    except DataDirBusy as err:
        raise RestoreError(f"refusing to restore: {err}; stop the service first") from None
    try:
        staging = data_dir.with_name(data_dir.name + ".restore")
        shutil.rmtree(staging, ignore_errors=True)
        _unpack(members, staging)
        db = staging / DB_FILE
        if db.exists() and (result := integrity(db)) != "ok":
            raise RestoreError(f"restored database fails integrity_check: {result}")
        aside = _swap(data_dir, staging)
        if config_out is not None and "config/config.yaml" in members:
            _write(config_out, members["config/config.yaml"])
    finally:
        lock.release()
    manifest["aside"] = str(aside)
    return manifest


def _unpack(members: dict[str, bytes], staging: Path) -> None:
    for name, data in members.items():
        if name.startswith("data/"):
            _write(staging / name[len("data/") :], data)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _swap(data_dir: Path, staging: Path) -> Path:
    """Move the old contents aside and the staged ones in; the dir itself stays (systemd owns
    it as StateDirectory), and so do its owner and mode, which the new files take too."""
    aside = data_dir.with_name(f"{data_dir.name}.before-restore-{time.strftime('%Y%m%dT%H%M%S')}")
    aside.mkdir(parents=True)
    stat = data_dir.stat()
    for old in data_dir.iterdir():
        if old.name != "tvemicro.lock":
            old.replace(aside / old.name)
    for new in staging.iterdir():
        new.replace(data_dir / new.name)
    staging.rmdir()
    if os.geteuid() == 0:
        for path in [data_dir, *data_dir.rglob("*")]:
            os.chown(path, stat.st_uid, stat.st_gid, follow_symlinks=False)
    return aside


def restore_command(args: argparse.Namespace) -> int:
    from app.ops.layout import Layout

    layout = Layout.from_args(args)
    data_dir = Path(args.data_dir) if args.data_dir else layout.data
    config_out = Path(args.config_out) if args.config_out else None
    start = time.monotonic()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        manifest = restore(Path(args.file), data_dir, config_out)
    except RestoreError as err:
        print(f"restore: {err}")
        return 1
    rows = ", ".join(f"{k} {v}" for k, v in manifest["rows"].items()) or "no database"
    print(
        f"restore: {args.file} (release {manifest.get('release')}, {manifest['created']}) into "
        f"{data_dir}: {rows}; previous contents in {manifest['aside']} "
        f"({time.monotonic() - start:.1f} s)"
    )
    return 0
