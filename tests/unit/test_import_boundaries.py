"""control/ and hw/ import with UI, web and Pi-only libraries unavailable (STYLE 1, DESIGN §2)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BLOCKED = (
    "kivy",
    "kivymd",
    "aiohttp",
    "RPi",
    "lgpio",
    "board",
    "busio",
    "digitalio",
    "adafruit_blinka",
    "adafruit_bus_device",
    "adafruit_max31855",
    "spidev",
)

# Runs in a fresh interpreter: a meta-path finder refuses the blocked top-level names, then
# every module under the given packages is imported. Prints the modules it imported.
CHECK = textwrap.dedent(
    """
    import importlib, pkgutil, sys

    blocked = set(sys.argv[1].split(","))
    preloaded = sorted(n for n in sys.modules if n.partition(".")[0] in blocked)
    if preloaded:
        raise SystemExit(f"already imported at start-up, cannot block: {preloaded}")

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in blocked:
                raise ImportError(f"blocked import: {name}")
            return None

    sys.meta_path.insert(0, Blocker())

    def fail(name):
        raise ImportError(f"cannot import {name}")

    for package_name in sys.argv[2:]:
        package = importlib.import_module(package_name)
        print(package_name)
        for info in pkgutil.walk_packages(package.__path__, package_name + ".", onerror=fail):
            importlib.import_module(info.name)
            print(info.name)
    """
)


def import_all(*packages: str, extra_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env_path = [str(REPO)] + ([str(extra_path)] if extra_path else [])
    code = f"import sys; sys.path[:0] = {env_path!r}\n" + CHECK
    return subprocess.run(
        [sys.executable, "-c", code, ",".join(BLOCKED), *packages],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_control_and_hw_import_without_ui_web_or_pi_libraries() -> None:
    result = import_all("machine_config", "control", "hw")
    assert result.returncode == 0, result.stderr
    imported = set(result.stdout.split())
    expected = {
        "machine_config.config",
        "hw.protocols",
        "hw.registry",
        "hw.drivers.gpio",
        "hw.drivers.max31855",
        "hw.drivers.pwm",
        "hw.drivers.stepper",
    }
    assert expected <= imported, f"not walked: {sorted(expected - imported)}"
    if (REPO / "hw" / "sim" / "__init__.py").exists():
        assert "hw.sim" in imported


@pytest.mark.parametrize("name", ["RPi.GPIO", "aiohttp", "kivy"])
def test_the_check_catches_a_module_that_imports_a_blocked_name(tmp_path: Path, name: str) -> None:
    package = tmp_path / "leaky"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "driver.py").write_text(f"import {name}\n")
    result = import_all("leaky", extra_path=tmp_path)
    assert result.returncode != 0
    assert f"blocked import: {name.partition('.')[0]}" in result.stderr


def test_the_real_pi_libraries_import_on_a_pi() -> None:
    """Only meaningful on a Pi with the `pi` extra installed; skipped elsewhere."""
    gpio = pytest.importorskip("RPi.GPIO")
    pytest.importorskip("adafruit_bus_device.spi_device")
    assert hasattr(gpio, "setmode") and hasattr(gpio, "PWM")
