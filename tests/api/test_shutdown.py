"""Stopping `tvemicro run`: repeated SIGTERMs keep exit code 0; the last line is `stopped`."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest

from tests.api.live import LiveServer

pytestmark = pytest.mark.timeout(300)
BOUND_S = 30.0


def _terminate_impatiently(live: LiveServer) -> int:
    """SIGTERM, then SIGTERM again every 10 ms until the process is gone (systemd plus an
    operator typing `kill` twice): some land during shutdown and interpreter exit."""
    live.proc.send_signal(signal.SIGTERM)
    for _ in range(int(BOUND_S / 0.01)):
        try:
            return live.proc.wait(0.01)
        except subprocess.TimeoutExpired:
            live.proc.send_signal(signal.SIGTERM)
    live.proc.kill()
    raise AssertionError("the process did not stop")


def _last_json_line(live: LiveServer) -> dict[str, object]:
    assert live.wait_for_log('"stopped"'), live.stderr_text()[-2000:]
    lines = [ln for ln in live.stderr_text().splitlines() if ln.startswith("{")]
    last: dict[str, object] = json.loads(lines[-1])
    return last


@pytest.mark.parametrize("attempt", range(3))
def test_sigterm_during_shutdown_keeps_exit_code_0(tmp_path: Path, attempt: int) -> None:
    live = LiveServer(tmp_path)
    code = _terminate_impatiently(live)
    assert code == 0, live.stderr_text()[-2000:]
    last = _last_json_line(live)
    assert last["event"] == "stopped" and last["state"] == "stopped"
    assert last["exit_code"] == 0 and last["signal"] == "SIGTERM"
    assert "Traceback" not in live.stderr_text()


def test_a_single_sigterm_ends_with_the_stopped_line(tmp_path: Path) -> None:
    live = LiveServer(tmp_path)
    assert live.stop() == 0
    last = _last_json_line(live)
    assert last["event"] == "stopped" and last["exit_code"] == 0
