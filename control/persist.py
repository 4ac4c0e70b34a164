"""Atomic JSON files: temp file, fsync, rename, keep last-good; corrupt files are set aside."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, NamedTuple


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


class Loaded(NamedTuple):
    """What `load_checked` found. `lost`: a stored copy existed but none could be read, so
    whatever it held (e.g. a latched trip) is unknown."""

    data: Any | None
    problem: str | None
    lost: bool


def load(path: Path) -> tuple[Any | None, str | None]:
    """Read JSON from `path`, falling back to its last-good copy.

    Returns (data, problem). data is None when no file exists. A corrupt main file is renamed
    aside (`.corrupt-<unix>`) and `problem` says so, so the caller can raise an alarm.
    """
    data, problem, _ = load_checked(path)
    return data, problem


def load_checked(path: Path) -> Loaded:
    """`load`, also saying whether a stored copy existed that could not be read at all."""
    last_good = path.with_name(path.name + ".last-good")
    problem = None
    existed = False
    if path.exists():
        existed = True
        try:
            return Loaded(json.loads(path.read_text(encoding="utf-8")), None, False)
        except (OSError, ValueError) as err:
            problem = f"{path.name} was unreadable ({err.__class__.__name__}); " + _set_aside(path)
    if last_good.exists():
        existed = True
        try:
            return Loaded(json.loads(last_good.read_text(encoding="utf-8")), problem, False)
        except (OSError, ValueError):
            problem = (problem or f"{path.name} missing") + "; last-good copy unreadable too"
    return Loaded(None, problem, existed)


def _set_aside(path: Path) -> str:
    """Rename a corrupt file out of the way (it is evidence); a failure here is only reported."""
    aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
    try:
        os.replace(path, aside)
    except OSError as err:
        return f"could not be set aside ({err.__class__.__name__})"
    return f"kept as {aside.name}"
