"""The rig fixture (the sim rig, or with --hil the Pi's loop-back rig) and the report table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hil.harness import Pins, Report, Rig
from tests.hil.rig import load_rig
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
