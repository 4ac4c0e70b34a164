"""The shipped systemd units: verify clean, exposure score within budget, and the hardening the Pi
needs (no PrivateDevices, devices allowed by class); the check itself catches a bad unit."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = Path("packaging/systemd")
CHECK = Path("packaging/checks/units.sh")
needs_systemd = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed"
)


def unit_lines(name: str) -> list[str]:
    text = (UNITS / name).read_text()
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] not in "#;"]


@needs_systemd
def test_units_verify_clean_and_score_within_budget() -> None:
    done = subprocess.run(["bash", str(CHECK)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "verify clean" in done.stdout


@needs_systemd
def test_the_check_fails_on_a_parse_warning(tmp_path: Path) -> None:
    for unit in UNITS.glob("*.service"):
        shutil.copy(unit, tmp_path)
    bad = tmp_path / "tvemicro.service"
    bad.write_text(bad.read_text().replace("[Service]\n", "[Service]\nProtectSytem=strict\n"))
    done = subprocess.run(["bash", str(CHECK), str(tmp_path)], capture_output=True, text=True)
    assert done.returncode != 0
    assert "ProtectSytem" in done.stderr


@needs_systemd
def test_the_check_fails_on_a_weak_unit(tmp_path: Path) -> None:
    for unit in UNITS.glob("*.service"):
        shutil.copy(unit, tmp_path)
    weak = tmp_path / "tvemicro.service"
    keep = [line for line in weak.read_text().splitlines() if not line.startswith("Protect")]
    weak.write_text("\n".join(keep) + "\n")
    done = subprocess.run(["bash", str(CHECK), str(tmp_path)], capture_output=True, text=True)
    assert done.returncode != 0
    assert "exposure" in done.stderr


def test_service_runs_as_its_user_in_its_state_directory_with_lgpio_fifos_allowed() -> None:
    lines = unit_lines("tvemicro.service")
    assert "User=tvemicro" in lines
    assert "StateDirectory=tvemicro" in lines
    assert "WorkingDirectory=/var/lib/tvemicro" in lines
    assert "Environment=LG_WD=/run/tvemicro" in lines and "RuntimeDirectory=tvemicro" in lines
    assert not any(line.startswith("PrivateDevices") for line in lines)
    assert "DevicePolicy=closed" in lines
    allowed = {line.split("=", 1)[1].split()[0] for line in lines if line.startswith("DeviceAllow")}
    assert allowed == {"char-spi", "char-gpiochip", "char-drm", "char-input"}
    assert "Conflicts=getty@tty1.service" in lines
    assert "WantedBy=multi-user.target" in lines
    assert "OnFailure=tvemicro-guard.service" in lines
    assert "After=time-sync.target" in lines  # history timestamps after boot are wall time
    assert not any("--log-level" in line for line in lines)  # the level comes from config.yaml


def test_drop_ins_parse_and_set_the_watchdog_and_journal_limits() -> None:
    watchdog = configparser.ConfigParser()
    watchdog.read(UNITS / "drop-ins" / "watchdog.conf")
    assert int(watchdog["Manager"]["RuntimeWatchdogSec"]) <= 15  # the SoC watchdog's limit
    journal = configparser.ConfigParser()
    journal.read(UNITS / "drop-ins" / "journald.conf")
    assert journal["Journal"]["SystemMaxUse"].endswith("M")
    assert journal["Journal"]["Storage"] == "persistent"


def test_the_service_user_may_dim_the_panel_backlight() -> None:
    """sysfs attribute modes cannot be set by GROUP=/MODE= (those are for /dev nodes): the rule
    runs chgrp/chmod on them; the unit keeps the device tree writable under a read-only /sys."""
    rules = Path("packaging/udev/99-tvemicro-touch.rules").read_text().splitlines()
    (rule,) = [r for r in rules if r.startswith('SUBSYSTEM=="backlight"')]
    assert 'ACTION=="add"' in rule  # also at boot, when udev replays every device as added
    runs = [cmd.split() for cmd in re.findall(r'RUN\+="([^"]*)"', rule)]
    attributes = ["/sys%p/brightness", "/sys%p/bl_power"]
    assert ["/bin/chgrp", "video", *attributes] in runs
    assert ["/bin/chmod", "g+w", *attributes] in runs
    lines = unit_lines("tvemicro.service")
    groups = next(x for x in lines if x.startswith("SupplementaryGroups=")).split("=")[1].split()
    assert "video" in groups
    writable = {
        p.lstrip("-")
        for x in lines
        if x.startswith("ReadWritePaths=")
        for p in x.split("=", 1)[1].split()
    }
    assert "ProtectKernelTunables=yes" in lines and "/sys/devices/platform" in writable
