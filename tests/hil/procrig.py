"""The process rig: the machine as a child process under the systemd stand-in, its pins read from
the simulator's pin file (which, like GPIO lines and kernel PWM, outlives the process)."""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import yaml

from app.storage.tokens import TokenStore
from hw.sim.pinfile import PIN_FILE_ENV, read_pin_file
from machine_config.config import Config, parse_config
from tests.hil.harness import Trace
from tests.hil.rig import RigConfig, signal_of
from tests.hil.simrig import StepPins
from tests.hil.supervisor import Supervisor, UnitTiming

ROOT = Path(__file__).resolve().parents[2]
POLL_S = 0.005  # the pin file is read this often; every edge is stamped with its poll's time
CHILD_LIFETIME_S = 120  # a child orphaned by a crashed test run exits by itself (no restart)
# host:port only: the JSON log shares stderr and may follow without a newline in between
REST_LINE = re.compile(r"REST server on (http://[0-9A-Za-z.\-]+:[0-9]+)")


def process_machine_data(rig_data: dict[str, Any], spec: RigConfig) -> dict[str, Any]:
    """The rig's capped config, for a line that steps within seconds at --speed 1: the plant
    starts warm (3 °C under the setpoint, inside the gate's band and above min_extrude_c), the
    feeder follows the screw within 1 s, and START is accepted over REST."""
    data = dict(rig_data)
    data["simulation"] = {**data["simulation"], "ambient_c": spec.limits.setpoint_c - 3.0}
    order = [{**s, "delay_s": min(s["delay_s"], 1.0)} for s in data["sequence"]["start_order"]]
    data["sequence"] = {**data["sequence"], "start_order": order}
    data["api"] = {**data["api"], "allow_remote_start": True}
    return data


class PinFileObserver:
    """Polls the pin file: each loop-back signal's electrical level, and each step output's
    kernel PWM channel (as a step train, and its `enable` as a trace of its own)."""

    def __init__(self, path: Path, spec: RigConfig, cfg: Config) -> None:
        self.path, self.cfg = path, cfg
        self._lock = threading.Lock()
        now = time.monotonic()
        self._traces: dict[str, Trace] = {}
        self._steps: dict[str, StepPins] = {}
        for key in spec.loopback:
            found = signal_of(key, cfg)
            assert found is not None
            self._traces[key] = Trace(now, key.endswith(".dir") != found[1])  # powered-up OFF
            if key.endswith(".step"):
                self._steps[key.split(".")[1]] = StepPins(self._traces[key])
        self.pwm_enable = {m: Trace(now, False) for m in cfg.motors}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="pin-file", daemon=True)
        self._thread.start()

    def trace(self, key: str) -> Trace:
        with self._lock:
            found = self.pwm_enable[key] if key in self.pwm_enable else self._traces[key]
            return Trace(found.start_s, found.initial, list(found.changes))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        hz = dict.fromkeys(self._steps, 0.0)
        while not self._stop.wait(POLL_S):
            state = read_pin_file(self.path)
            now = time.monotonic()
            with self._lock:
                if state is not None:
                    self._record(now, *state, hz)
                for steps in self._steps.values():
                    steps.flush(now)

    def _record(self, now: float, levels: dict[str, int], pwm: Any, hz: dict[str, float]) -> None:
        for key, trace in self._traces.items():
            if key in levels:
                trace.record(now, bool(levels[key]))
        for motor, channel in pwm.items():
            self.pwm_enable[motor].record(now, bool(channel.enable))
            if motor in self._steps and channel.step_hz != hz[motor]:
                hz[motor] = channel.step_hz
                self._steps[motor].set_hz(channel.step_hz, now)


class ProcessRig:
    """Rig protocol (pins, time) on a child `tvemicro run --sim` under the Supervisor."""

    def __init__(self, spec: RigConfig, data: dict[str, Any], timing: UnitTiming, run_dir: Path):
        self.spec, self.timing = spec, timing
        self.cfg = parse_config(data, "process rig config")
        config = run_dir / "config.yaml"
        config.write_text(yaml.safe_dump(data), encoding="utf-8")
        data_dir = run_dir / "data"
        data_dir.mkdir()
        self._token, _ = TokenStore(data_dir).create("operator", "hil")
        pin_file = run_dir / "pins.json"
        self.pins_seen = PinFileObserver(pin_file, spec, self.cfg)
        argv = [sys.executable, "-m", "app.cli", "run", "--sim", "--headless", "--speed", "1",
                "--port", "0", "--config", str(config), "--data-dir", str(data_dir),
                "--duration-s", str(CHILD_LIFETIME_S)]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT), PIN_FILE_ENV: str(pin_file)}
        self.supervisor = Supervisor(argv, env, timing, run_dir)

    def now(self) -> float:
        return time.monotonic()

    def run_for(self, seconds: float) -> None:
        time.sleep(seconds)  # real time: the child runs by itself; the observer polls meanwhile

    def run_until(self, done: Callable[[], bool], timeout_s: float) -> bool:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if done():
                return True
            time.sleep(0.02)
        return done()

    def trace(self, key: str) -> Trace:
        return self.pins_seen.trace(key)

    def start_line(self, timeout_s: float = 20.0) -> float:
        """POST /machine/start to the running child once it is READY; returns when sent."""
        ready = self.supervisor.wait_for("ready", 0.0, timeout_s)
        assert ready is not None, "the service never sent READY=1"
        err = self.supervisor.stderr_of(ready.pid).read_text(encoding="utf-8", errors="replace")
        found = REST_LINE.search(err)
        assert found, "the child printed no REST server address"
        sent = self.now()
        reply = requests.post(f"{found[1]}/api/v1/machine/start", json={}, timeout=5,
                              headers={"Authorization": f"Bearer {self._token}"})  # fmt: skip
        assert reply.status_code == 200, reply.text
        return sent

    def kill(self, sig: signal.Signals) -> float:
        """`systemctl kill -s <sig>` of the service's main process; returns when sent."""
        sent = self.now()
        os.kill(self.supervisor.pid(), sig)
        return sent

    def close(self) -> None:
        self.supervisor.close()
        self.pins_seen.close()
