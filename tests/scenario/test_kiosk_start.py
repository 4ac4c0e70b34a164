"""`tvemicro run` opens the kiosk window before the control loop ticks (kiosk start: no overrun).

Opening Kivy's window (SDL video + GL context) runs in C holding the GIL for 0.05–0.3 s; done
with the loop running it made several ticks late. bench/saturation.py shows the lateness; this
checks the order that avoids it, without a display or any timing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import app.run_cmd
import app.ui.kiosk
from app.cli import build_parser
from control.runner import RealTimeRunner
from tests.support import CONFIG_PATH


def test_the_kiosk_window_opens_before_the_control_loop_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    order: list[str] = []
    start = RealTimeRunner.start

    def loop_start(runner: RealTimeRunner) -> None:
        order.append("loop")
        start(runner)

    def run_kiosk(machine: Any, cfg: Any, **_: Any) -> None:
        assert machine.runner.alive  # the UI still starts on a ticking loop
        order.append("kiosk")

    monkeypatch.setattr(app.run_cmd, "_kiosk_possible", lambda: True)

    def open_window(cfg: Any, size: Any = None) -> None:
        order.append("window")

    monkeypatch.setattr(app.ui.kiosk, "open_window", open_window, raising=False)
    monkeypatch.setattr(app.ui.kiosk, "run_kiosk", run_kiosk)
    monkeypatch.setattr(RealTimeRunner, "start", loop_start)
    monkeypatch.setattr(app.run_cmd, "_install_signals", lambda stop: None)  # keep pytest's
    argv = ["run", "--sim", "--no-api", "--config", str(CONFIG_PATH), "--data-dir", str(tmp_path)]
    args = build_parser().parse_args(argv)
    switch_s = sys.getswitchinterval()
    try:
        assert args.func(args) == 0
    finally:
        sys.setswitchinterval(switch_s)
    assert order == ["window", "loop", "kiosk"]


def _run_with_fake_kiosk(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, extra: list[str], seen: Any
) -> None:
    """`tvemicro run --sim` with the kiosk replaced by `seen(machine, cfg, **services)`."""
    monkeypatch.setattr(app.run_cmd, "_kiosk_possible", lambda: True)
    monkeypatch.setattr(app.ui.kiosk, "open_window", lambda cfg, size=None: None, raising=False)
    monkeypatch.setattr(app.ui.kiosk, "run_kiosk", seen)
    monkeypatch.setattr(app.run_cmd, "_install_signals", lambda stop: None)  # keep pytest's
    argv = ["run", "--sim", "--config", str(CONFIG_PATH), "--data-dir", str(tmp_path), *extra]
    args = build_parser().parse_args(argv)
    switch_s = sys.getswitchinterval()
    try:
        assert args.func(args) == 0
    finally:
        sys.setswitchinterval(switch_s)


def test_the_kiosk_is_told_the_port_the_rest_server_really_bound(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The System screen once said 8080 (the config) while the server listened on 18081."""
    import json
    import urllib.request
    from urllib.parse import urlsplit

    told: dict[str, Any] = {}

    def run_kiosk(machine: Any, cfg: Any, **services: Any) -> None:
        url = services["rest_url"]
        with urllib.request.urlopen(url + "/health", timeout=5.0) as resp:  # it answers there
            told.update(url=url, status=json.loads(resp.read())["status"], port=cfg.api.port)

    _run_with_fake_kiosk(monkeypatch, tmp_path, ["--host", "127.0.0.1", "--port", "0"], run_kiosk)
    bound = urlsplit(told["url"])
    assert bound.hostname == "127.0.0.1" and bound.port not in (None, 0, told["port"])
    assert told["status"] in ("ok", "degraded", "failing")


def test_the_kiosk_hears_the_rest_server_is_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    told: dict[str, Any] = {}
    _run_with_fake_kiosk(monkeypatch, tmp_path, ["--no-api"], lambda m, c, **s: told.update(s))
    assert told["rest_url"] == ""  # the System screen says "REST server off", not 8080
