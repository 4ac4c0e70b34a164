"""Atomic JSON files: temp file, fsync, rename, keep last-good; corrupt files are set aside."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any


class CorruptFile(Exception):
    """Raised by `load` when neither the file nor its last-good copy could be read."""


def write_atomic(path: Path, data: Any) -> None:
    """Write JSON so a crash at any moment leaves either the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    payload = json.dumps(data, indent=1, sort_keys=True).encode()
    with open(tmp, "wb") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())
    if path.exists():
        os.replace(path, path.with_name(path.name + ".last-good"))
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load(path: Path) -> tuple[Any | None, str | None]:
    """Read JSON from `path`, falling back to its last-good copy.

    Returns (data, problem). data is None when no file exists. A corrupt main file is renamed
    aside (`.corrupt-<unix>`) and `problem` says so, so the caller can raise an alarm.
    """
    last_good = path.with_name(path.name + ".last-good")
    problem = None
    if path.exists():
        try:
            return json.loads(path.read_text(encoding="utf-8")), None
        except (OSError, ValueError) as err:
            aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            os.replace(path, aside)
            problem = f"{path.name} was unreadable ({err.__class__.__name__}); kept as {aside.name}"
    if last_good.exists():
        try:
            return json.loads(last_good.read_text(encoding="utf-8")), problem
        except (OSError, ValueError):
            problem = (problem or f"{path.name} missing") + "; last-good copy unreadable too"
    return None, problem
