"""The rig fixture (the sim rig, or with --hil the Pi's loop-back rig) and the report table."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hil.harness import Pins, Report, Rig
from tests.hil.procrig import ProcessRig, process_machine_data
from tests.hil.rig import load_rig, rig_machine_data
from tests.hil.supervisor import UnitTiming, read_unit
from tests.support import raw_config

REPORT = pytest.StashKey[Report]()


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Report:
    config = request.config
    if REPORT not in config.stash:
        config.stash[REPORT] = Report()
    return config.stash[REPORT]


@pytest.fixture
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Rig]:
    """A fresh machine on the rig for each drill: idle, every output off, chain closed."""
    spec, cfg = load_rig(Path(request.config.getoption("--rig")), raw_config())
    if request.config.getoption("--hil"):
        from tests.hil.pirig import PiRig

        built: Rig = PiRig(spec, cfg, tmp_path)
    else:
        from tests.hil.simrig import SimRig

        built = SimRig(spec, cfg, tmp_path)
    yield built
    built.close()  # type: ignore[attr-defined]


@pytest.fixture
def pins(rig: Rig) -> Pins:
    return Pins(rig)


# CI runs the process drills with shorter service times than the unit's (WatchdogSec=5,
# RestartSec=3) to stay near 30 s; the supervisor's logic is the same. TimeoutStopSec is the unit's.
CI_WATCHDOG_S = 2.5  # the app pings once a second: 1.5 s of margin for a loaded CI machine
CI_RESTART_S = 1.0
PI_SKIP = (
    "not automated on the Pi: it needs tvemicro.service run on the rig's capped config (a systemd "
    "drop-in) and an observer of /sys/class/pwm; manual procedure in docs/hil-rig.md"
)


def ci_timing(unit: UnitTiming) -> UnitTiming:
    return UnitTiming(
        min(unit.watchdog_s, CI_WATCHDOG_S), min(unit.restart_s, CI_RESTART_S),
        unit.stop_timeout_s,
    )  # fmt: skip


@pytest.fixture
def proc_rig(request: pytest.FixtureRequest) -> Iterator[ProcessRig]:
    """The machine as a child `tvemicro run --sim` under the systemd stand-in (sim rig only)."""
    if request.config.getoption("--hil"):
        pytest.skip(PI_SKIP)
    spec, _ = load_rig(Path(request.config.getoption("--rig")), raw_config())
    data = process_machine_data(rig_machine_data(raw_config(), spec), spec)
    run_dir = Path(tempfile.mkdtemp(prefix="hil-"))  # short: a socket path has ~107 bytes
    built = ProcessRig(spec, data, ci_timing(read_unit()), run_dir)
    try:
        yield built
    finally:
        built.close()
        shutil.rmtree(run_dir, ignore_errors=True)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    report = config.stash.get(REPORT, None)
    if report is None or not report.rows:
        return
    rig = "loop-back rig (--hil)" if config.getoption("--hil") else "sim rig"
    terminalreporter.section(f"HIL report: {rig}, verdicts from the rig's input pins only")
    for line in report.table():
        terminalreporter.write_line(line)
