"""Who owns a data dir: `tvemicro run` holds an exclusive flock on <data-dir>/tvemicro.lock."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILE = "tvemicro.lock"


class DataDirBusy(RuntimeError):
    """Another process owns the data directory."""


class DataDirLock:
    """An exclusive, non-blocking flock; the kernel drops it when the process dies (even
    SIGKILL), so a stale pid in the file never blocks a restart."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> DataDirLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DataDirBusy(
                f"{self.path.parent} is in use by {owner(self.path.parent)}"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def owner(data_dir: Path) -> str:
    """'pid N' from the lock file, for messages."""
    try:
        text = (data_dir / LOCK_FILE).read_text(encoding="ascii").strip()
    except OSError:
        text = ""
    return f"pid {text}" if text.isdigit() else "another process"


def is_busy(data_dir: Path) -> bool:
    """True while some process holds the lock (checked by taking and dropping it)."""
    if not (data_dir / LOCK_FILE).exists():
        return False
    try:
        DataDirLock(data_dir).acquire().release()
    except DataDirBusy:
        return True
    return False
