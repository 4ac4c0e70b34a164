"""The sim rig: the loop-back inputs of rig.yaml, driven by the simulator's output pins on its
virtual clock, so the harness and every drill run in CI exactly as on the Pi."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from app.services.machine import Machine, build_machine
from machine_config.config import Config
from tests.hil.harness import Trace
from tests.hil.rig import RigConfig, signal_of


class StepPins:
    """The square wave a step output shows at `hz`, as rising and falling edges in time."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.hz = 0.0
        self.since_s = 0.0
        self.done_s = 0.0  # edges are written up to here

    def flush(self, now_s: float) -> None:
        if self.hz > 0:
            half = 0.5 / self.hz
            k = max(0, math.ceil((self.done_s - self.since_s) / half - 1e-9))
            while self.since_s + k * half < now_s:
                t = self.since_s + k * half
                if t >= self.done_s:
                    self.trace.record(t, k % 2 == 0)
                k += 1
        self.done_s = max(self.done_s, now_s)

    def set_hz(self, hz: float, now_s: float) -> None:
        self.flush(now_s)
        if hz == 0 and self.trace.level_at(now_s):
            self.trace.record(now_s, False)
        self.hz, self.since_s, self.done_s = hz, now_s, now_s


class SimRig:
    """Rig protocol on a virtual-clock sim machine: electrical-level traces, relays as faults."""

    def __init__(self, spec: RigConfig, cfg: Config, data_dir: Path) -> None:
        self.spec, self.cfg = spec, cfg
        self.machine: Machine = build_machine(cfg, "sim", virtual=True, data_dir=data_dir)
        assert self.machine.virtual is not None and self.machine.sim is not None
        self.virtual, self.sim = self.machine.virtual, self.machine.sim
        now = self.now()
        self._traces: dict[str, Trace] = {}
        self._steps: dict[str, StepPins] = {}
        for key in spec.loopback:
            pin = signal_of(key, cfg)
            assert pin is not None
            self._traces[key] = Trace(now, self._initial(key, pin[1]))
            if key.endswith(".step"):
                self._steps[key.removesuffix(".step")] = StepPins(self._traces[key])
        self._tc_faults: dict[str, int] = {}
        self.sim.bus.watch(self._on_pin)

    def _initial(self, key: str, active_low: bool) -> bool:
        logical = key.endswith(".dir")  # the sim starts DIR forward ('on'), everything else off
        return logical != active_low

    def _on_pin(self, signal: str, value: float, now_s: float) -> None:
        if signal.endswith(".step_hz"):
            motor = signal.removesuffix(".step_hz")
            if motor in self._steps:
                self._steps[motor].set_hz(value, now_s)
            return
        trace = self._traces.get(signal)  # signals are named by their config keys
        if trace is not None:
            found = signal_of(signal, self.cfg)
            assert found is not None
            trace.record(now_s, bool(value) != found[1])

    # --- Rig protocol ---------------------------------------------------------------------
    def now(self) -> float:
        return self.machine.clock.now()

    def run_for(self, seconds: float) -> None:
        self.virtual.run_for(seconds)
        self._flush()

    def run_until(self, done: Callable[[], bool], timeout_s: float) -> bool:
        end = self.now() + timeout_s
        while self.now() < end:
            self.virtual.step()
            self._flush()
            if done():
                return True
        return False

    def trace(self, key: str) -> Trace:
        self._flush()
        return self._traces[key]

    def submit(self, command: object) -> None:
        self.machine.core.submit(command)  # type: ignore[arg-type]

    def open_estop(self, is_open: bool) -> None:
        self.sim.set_estop_chain(not is_open)

    def unplug_tc(self, zone: str, unplugged: bool) -> None:
        if unplugged:
            self._tc_faults[zone] = self.sim.faults.inject("tc_open", zone)
        else:
            self.sim.faults.clear(self._tc_faults.pop(zone))

    def close(self) -> None:
        self.machine.close()

    def _flush(self) -> None:
        now = self.now()
        for steps in self._steps.values():
            steps.flush(now)
