"""Atomic settings files: last-good fallback, corrupt files set aside, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

from control.persist import load, write_atomic


def test_write_then_load_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    write_atomic(path, {"a": 1})
    write_atomic(path, {"a": 2})
    assert load(path) == ({"a": 2}, None)
    assert json.loads((tmp_path / "settings.json.last-good").read_text()) == {"a": 1}
    assert not (tmp_path / "settings.json.tmp").exists()


def test_corrupt_file_falls_back_to_last_good_and_is_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    write_atomic(path, {"a": 1})
    write_atomic(path, {"a": 2})
    path.write_text('{"a": ')  # torn write from some other tool
    data, problem = load(path)
    assert data == {"a": 1}
    assert problem is not None and "unreadable" in problem
    assert list(tmp_path.glob("settings.json.corrupt-*"))


def test_missing_file_is_not_a_problem(tmp_path: Path) -> None:
    assert load(tmp_path / "none.json") == (None, None)


def test_corrupt_settings_start_safe_with_a_warning(make_machine, tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text("not json at all")
    m = make_machine(data_dir=tmp_path)
    snap = m.core.snapshot
    assert snap.state == "idle"
    assert [a.code for a in snap.alarms] == ["settings_corrupt"]
    assert snap.zone("barrel").setpoint_c == m.cfg.zones["barrel"].setpoint_c


def test_out_of_range_stored_setpoint_is_ignored(make_machine, tmp_path: Path) -> None:
    write_atomic(tmp_path / "settings.json", {"zones": {"barrel": {"setpoint_c": 999}}})
    m = make_machine(data_dir=tmp_path)
    assert m.core.snapshot.zone("barrel").setpoint_c == m.cfg.zones["barrel"].setpoint_c
    assert any("setpoint_c" in a.message for a in m.core.snapshot.alarms)
