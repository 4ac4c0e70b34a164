"""Test helpers shared by every suite: the shipped config and variants of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from machine_config.config import Config, parse_config

ROOT = Path(__file__).resolve().parent.parent
CONFIG_PATH = ROOT / "config.yaml"


def raw_config() -> dict[str, Any]:
    """The shipped config.yaml as plain data, for tests that vary it."""
    data: dict[str, Any] = yaml.safe_load(CONFIG_PATH.read_text())
    return data


def raw_config_with(changes: dict[str, Any]) -> dict[str, Any]:
    """config.yaml's raw mapping with dotted-path overrides applied (not yet validated)."""
    data = raw_config()
    for dotted, value in changes.items():
        node = data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    return data


def config_with(**changes: Any) -> Config:
    """config.yaml with dotted-path overrides, e.g. config_with(**{"sequence.soak_s": 5})."""
    return parse_config(raw_config_with(changes), "test")


class FakeDisk:
    """A write function for `PersistWriter` that fails the way a data directory does: `gate`
    cleared = the SD card stalls; `fail` set = every write raises it (ENOSPC, EROFS…). Writes
    that get through go to the real atomic writer. `log` records (thread, file, data)."""

    def __init__(self, stalled: bool = False) -> None:
        import threading

        self.gate = threading.Event()
        if not stalled:
            self.gate.set()
        self.fail: OSError | None = None
        self.log: list[tuple[str, str, Any]] = []
        self._done = threading.Condition()
        self.calls = 0

    def __call__(self, path: Path, data: Any) -> None:
        import threading

        from control.persist import write_atomic

        self.gate.wait()
        try:
            self.log.append((threading.current_thread().name, path.name, data))
            if self.fail is not None:
                raise self.fail
            write_atomic(path, data)
        finally:
            with self._done:
                self.calls += 1
                self._done.notify_all()

    def wait_for(self, calls: int, timeout_s: float = 10.0) -> None:
        """Block until `calls` writes have finished (a deadlock guard, not a timing check)."""
        with self._done:
            assert self._done.wait_for(lambda: self.calls >= calls, timeout_s), self.calls
