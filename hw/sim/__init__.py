"""The machine simulator: thermal plant, MAX31855s, zero-cross SSRs, DM556s, I/O and faults."""

from hw.sim.bus import ClosedError
from hw.sim.faults import KINDS as FAULT_KINDS
from hw.sim.faults import SimFaultError, UnknownFault
from hw.sim.machine import SimMachine
from hw.sim.plant import STEP_S, full_power_rise_time_s

__all__ = [
    "FAULT_KINDS",
    "STEP_S",
    "ClosedError",
    "SimFaultError",
    "SimMachine",
    "UnknownFault",
    "full_power_rise_time_s",
]
