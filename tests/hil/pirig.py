"""The rig on a real Pi: lgpio edge callbacks on the loop-back inputs, relays on rig outputs.

Not verifiable without a Pi (see docs/hil-rig.md): the lgpio calls follow its documented API."""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.services.machine import Machine, build_machine
from machine_config.config import Config
from tests.hil.harness import Trace
from tests.hil.rig import RigConfig, RigError, signal_of

POLL_S = 0.01


def _gpiochip(lgpio: Any) -> int:
    """The header's gpiochip: Pi 5 kernels before 6.6.45 number it 4, later ones and Pi 4 0."""
    for chip in (0, 4):
        try:
            handle = lgpio.gpiochip_open(chip)
        except Exception:
            continue
        if lgpio.gpio_get_chip_info(handle)[3] in ("pinctrl-bcm2711", "pinctrl-rp1"):
            return int(handle)
        lgpio.gpiochip_close(handle)
    raise RigError("no Raspberry Pi header gpiochip found")


class PiRig:
    """Rig protocol on the Pi under test: the real machine (hw backend), real pins, real time."""

    def __init__(self, spec: RigConfig, cfg: Config, data_dir: Path) -> None:
        self.spec, self.cfg = spec, cfg
        self._lgpio = importlib.import_module("lgpio")
        self._h = _gpiochip(self._lgpio)
        self._lock = threading.Lock()
        self._traces: dict[str, Trace] = {}
        self._callbacks: list[Any] = []
        for pin in [spec.estop_relay_pin, *spec.tc_relay.values()]:
            self._lgpio.gpio_claim_output(self._h, pin, 0)  # relays released: chain closed
        self.machine: Machine = build_machine(cfg, "hw", data_dir=data_dir)
        for key, pin in spec.loopback.items():
            self._watch(key, pin)
        self._check_dummies()
        assert self.machine.runner is not None
        self.machine.runner.start()

    def _watch(self, key: str, pin: int) -> None:
        lg = self._lgpio
        lg.gpio_claim_alert(self._h, pin, lg.BOTH_EDGES)
        trace = Trace(self.now(), bool(lg.gpio_read(self._h, pin)))
        self._traces[key] = trace

        def edge(_chip: int, _gpio: int, level: int, tick_ns: int) -> None:
            if level in (0, 1):  # 2 is a watchdog timeout, not an edge
                with self._lock:
                    trace.record(tick_ns / 1e9, bool(level))

        self._callbacks.append(lg.callback(self._h, pin, lg.BOTH_EDGES, edge))

    def _check_dummies(self) -> None:
        """Every loop-back input must read its output's OFF level with the machine just built:
        a jumper missing, or an output wired to something that drives it, is refused."""
        for key, trace in self._traces.items():
            found = signal_of(key, self.cfg)
            assert found is not None
            off_level = found[1] if not key.endswith(".dir") else not found[1]
            if trace.initial != off_level:
                raise RigError(f"rig.loopback.{key}: reads {int(trace.initial)} at rest")

    def now(self) -> float:
        return time.time_ns() / 1e9  # lgpio stamps alerts with CLOCK_REALTIME nanoseconds

    def run_for(self, seconds: float) -> None:
        time.sleep(seconds)

    def run_until(self, done: Callable[[], bool], timeout_s: float) -> bool:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if done():
                return True
            time.sleep(POLL_S)
        return False

    def trace(self, key: str) -> Trace:
        with self._lock:
            return Trace(self._traces[key].start_s, self._traces[key].initial,
                         list(self._traces[key].changes))  # fmt: skip

    def submit(self, command: object) -> None:
        self.machine.core.submit(command)  # type: ignore[arg-type]

    def open_estop(self, is_open: bool) -> None:
        self._lgpio.gpio_write(self._h, self.spec.estop_relay_pin, int(is_open))

    def unplug_tc(self, zone: str, unplugged: bool) -> None:
        self._lgpio.gpio_write(self._h, self.spec.tc_relay[zone], int(unplugged))

    def close(self) -> None:
        self.machine.close()
        for cb in self._callbacks:
            cb.cancel()
        for pin in [self.spec.estop_relay_pin, *self.spec.tc_relay.values()]:
            self._lgpio.gpio_write(self._h, pin, 0)
        self._lgpio.gpiochip_close(self._h)
