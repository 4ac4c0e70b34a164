"""Config validation: every error names its key; impossible machines never start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from machine_config.config import ConfigError, load_config, parse_config
from tests.support import CONFIG_PATH, ROOT, raw_config


def problems_for(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data, "test")
    return info.value.problems


def test_shipped_config_is_valid() -> None:
    cfg = load_config(CONFIG_PATH)
    assert set(cfg.zones) == {"barrel", "nozzle"}
    assert set(cfg.motors) == {"screw", "feeder"}
    assert cfg.outputs.heartbeat.pin not in {o.pin for o in cfg.outputs.aux.values()}


def test_unknown_key_is_named() -> None:
    data = raw_config()
    data["zones"]["barrel"]["setpont_c"] = 180
    assert "zones.barrel.setpont_c: unknown key" in problems_for(data)


def test_duplicate_pin_names_both_owners() -> None:
    data = raw_config()
    data["zones"]["nozzle"]["heater"]["pin"] = data["zones"]["barrel"]["heater"]["pin"]
    (problem,) = problems_for(data)
    assert "zones.nozzle.heater.pin" in problem and "zones.barrel.heater.pin" in problem


def test_setpoint_max_must_be_below_trip() -> None:
    data = raw_config()
    data["zones"]["barrel"]["setpoint_max_c"] = 300
    (problem,) = problems_for(data)
    assert problem.startswith("zones.barrel") and "trip_max_c" in problem


def test_stale_timeout_shorter_than_sensor_period() -> None:
    data = raw_config()
    data["safety"]["sensor_stale_s"] = 0.2
    (problem,) = problems_for(data)
    assert problem.startswith("safety.sensor_stale_s")


def test_wrong_type_is_not_coerced() -> None:
    data = raw_config()
    data["api"]["allow_remote_start"] = "yes"
    assert any(p.startswith("api.allow_remote_start") for p in problems_for(data))


def test_start_order_must_name_every_motor() -> None:
    data = raw_config()
    data["sequence"]["start_order"] = [{"motor": "screw"}]
    assert any("sequence.start_order" in p for p in problems_for(data))


def test_run_rpm_above_max_rpm() -> None:
    data = raw_config()
    data["motors"]["feeder"]["run_rpm"] = 100
    assert any(p.startswith("motors.feeder") for p in problems_for(data))


def test_config_check_cli_exit_codes(tmp_path: Path) -> None:
    bad = raw_config()
    bad["machine"]["tick_s"] = -1
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text(yaml.safe_dump(bad))
    run = [sys.executable, "-m", "app.cli", "config", "check"]
    ok = subprocess.run([*run, str(CONFIG_PATH)], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0 and "OK" in ok.stdout
    fail = subprocess.run([*run, str(bad_file)], capture_output=True, text=True, cwd=ROOT)
    assert fail.returncode == 1 and "machine.tick_s" in fail.stderr
    missing = subprocess.run([*run, str(tmp_path / "nope.yaml")], capture_output=True, text=True)
    assert missing.returncode == 1 and "cannot read" in missing.stderr


@pytest.mark.parametrize(
    ("key", "value"),
    [("rotation", 45), ("rotation", "90"), ("dim_percent", 101), ("dim_percent", -1)],
)
def test_panel_rotation_and_dim_level_are_checked(key: str, value: object) -> None:
    data = raw_config()
    data["ui"][key] = value
    (problem,) = problems_for(data)
    assert problem.startswith(f"ui.{key}: ")


def test_a_turned_panel_and_its_dim_level_are_read() -> None:
    data = raw_config()
    data["ui"].update(rotation=270, dim_percent=25)
    ui = parse_config(data).ui
    assert (ui.rotation, ui.dim_percent) == (270, 25)
