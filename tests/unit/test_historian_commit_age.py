"""/health's last_commit_age_s runs on the historian's monotonic clock, not on the wall."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.services.health import historian_check
from app.storage.historian import Historian


def test_a_wall_clock_step_does_not_age_or_rejuvenate_the_last_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mono, wall = [100.0], [1_767_225_600.0]
    monkeypatch.setattr(time, "time", lambda: wall[0])  # the wall the process would read
    historian = Historian(tmp_path / "h.sqlite3", 100, 86_400.0, monotonic=lambda: mono[0])
    historian.start()
    try:
        historian.record("audit", wall[0], {"who": "test"})
        assert historian.flush()
        mono[0] += 0.5  # half a second passes on both clocks
        wall[0] += 0.5
        storage = SimpleNamespace(historian=historian)
        assert historian_check(storage)["last_commit_age_s"] == 0.5
        for step in (+3600.0, -7200.0):  # an NTP step forward, then back past the start
            wall[0] += step
            assert historian_check(storage)["last_commit_age_s"] == 0.5
    finally:
        historian.close()


def test_no_age_before_the_first_commit(tmp_path: Path) -> None:
    historian = Historian(tmp_path / "h.sqlite3", 100, 86_400.0, monotonic=lambda: 5.0)
    try:
        assert historian.commit_age_s() is None
        assert "last_commit_age_s" not in historian_check(SimpleNamespace(historian=historian))
    finally:
        historian.close()
