"""The CLI as QA and operators use it: simulate reports, headless run, clean stop on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

TVEMICRO = [sys.executable, "-m", "app.cli"]


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TVEMICRO, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)  # fmt: skip


def test_simulate_production_json() -> None:
    out = run_cli("simulate", "--scenario", "production", "--minutes", "1", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["final_state"] == "idle" and report["trips"] == []
    assert set(report["time_to_gate_s"]) == {"barrel", "nozzle"}
    assert all(v <= 1.0 for v in report["max_overshoot_c"].values())
    assert all(v is not None and v < 2.0 for v in report["rms_error_running_c"].values())
    assert report["speedup"] > 1 and report["wall_s"] > 0


@pytest.mark.parametrize(("kind", "target", "trip"), [
    ("tc_open", "barrel", "sensor_fault:barrel"),
    ("estop", "machine", "estop_chain:machine"),
    ("driver_alarm", "screw", "driver_alarm:screw"),
])  # fmt: skip
def test_simulate_fault_scenario_reports_the_trip(kind: str, target: str, trip: str) -> None:
    out = run_cli("simulate", "--scenario", f"fault:{kind}:{target}", "--minutes", "1", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert trip in report["trips"] and report["final_state"] == "fault"
    assert report["detect_to_heater_off_ticks"] is not None
    assert report["detect_to_heater_off_ticks"] <= 1


def test_simulate_rejects_unknown_scenario_without_a_traceback() -> None:
    out = run_cli("simulate", "--scenario", "fault:melt:barrel")
    assert out.returncode == 2 and "Traceback" not in out.stderr and "kind" in out.stderr


def test_headless_run_prints_status_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*TVEMICRO, "run", "--sim", "--headless", "--no-api", "--speed", "20",
         "--data-dir", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    first = proc.stdout.readline()
    second = proc.stdout.readline()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "idle" in first and "barrel" in first and "screw" in first
    assert float(second.split("s")[0]) > float(first.split("s")[0])  # machine time moves on
    assert '"event": "stopped"' in err


def test_run_refuses_a_bad_config_with_its_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "config.yaml").read_text().replace("tick_s: 0.05", "tick_s: fast"))
    out = run_cli("run", "--sim", "--headless", "--config", str(bad))
    assert out.returncode == 2 and "machine.tick_s" in out.stderr and "Traceback" not in out.stderr
