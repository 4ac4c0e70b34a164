"""Wiring: builds the clock, hardware (sim or real), control core and runner from a config."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from control.core import ControlCore, CoreSinks
from control.errors import InvalidField, NotFound
from control.runner import RealTimeRunner, VirtualRunner
from control.writer import PersistWriter
from hw.clock import RealClock, VirtualClock
from hw.io import MachineIO
from hw.registry import build_io
from hw.sim.faults import SimFaultError, UnknownFault
from machine_config.config import Config


@dataclass
class Machine:
    """Everything one running machine is made of; `sim` is the simulator when backend is sim."""

    cfg: Config
    backend: str
    clock: RealClock | VirtualClock
    io: MachineIO
    core: ControlCore
    data_dir: Path | None
    runner: RealTimeRunner | None = None
    virtual: VirtualRunner | None = None
    storage: Any | None = None  # the data-dir storage serving this machine, once attached

    def use_storage(self, storage: Any) -> None:
        """Called by the storage when it attaches (historian warnings, REST, kiosk)."""
        self.storage = storage

    @property
    def sim(self) -> Any | None:
        return self.io.extras.get("sim")

    # -- the simulator's fault injection, with domain errors (API.md decision 5) -------------
    def simulator(self) -> Any:
        """The simulator, or NotFound on real hardware."""
        if self.sim is None:
            raise NotFound("simulation routes exist only with --sim")
        return self.sim

    def inject_fault(self, kind: object, target: object) -> int:
        try:
            fault_id: int = self.simulator().faults.inject(kind, target)
        except SimFaultError as err:
            raise InvalidField(err.field, err.message) from None
        return fault_id

    def clear_fault(self, fault_id: int | None, text: str) -> None:
        try:
            self.simulator().faults.clear(fault_id)
        except UnknownFault:
            raise NotFound(f"no active simulated fault {text!r}", fault_id=text) from None

    def close(self) -> None:
        """Stop ticking and leave every output off."""
        if self.runner is not None:
            self.runner.stop()
        self.core.shutdown()
        self.io.close()


def build_machine(
    cfg: Config,
    backend: str = "sim",
    *,
    speed: float = 1.0,
    data_dir: Path | None = None,
    virtual: bool = False,
    sinks: CoreSinks | None = None,
    writer: PersistWriter | None = None,
    wall0: float | None = None,
) -> Machine:
    """Build a machine. `virtual` gives a VirtualClock stepped by hand (tests, `simulate`);
    `wall0` is its wall time at start (a simulated week starts each shift's process anew).

    Settings and alarm files are written by `writer`: by default its own thread on a real-time
    machine (disk I/O never on the control tick), inline on a virtual one (deterministic runs)."""
    clock: RealClock | VirtualClock
    if virtual:
        clock = VirtualClock() if wall0 is None else VirtualClock(wall0=wall0)
    else:
        clock = RealClock(speed)
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    io = build_io(backend, cfg, clock)
    writer = writer or PersistWriter(threaded=not virtual)
    core = ControlCore(cfg, io, clock, data_dir=data_dir, sinks=sinks, writer=writer)
    machine = Machine(cfg, backend, clock, io, core, data_dir)
    if virtual:
        machine.virtual = VirtualRunner(core, clock)
    else:
        assert isinstance(clock, RealClock)
        machine.runner = RealTimeRunner(core, clock)
    return machine
